import Foundation
import Testing
import EBMCore
import EBMIO
import EBMScenario

#if canImport(Glibc)
import Glibc
#endif

/// A data target with `holdout`: the target is learned from the training
/// samples, and `trajectory.dat` scores the held-out ones.
@Suite struct HeldOutRunTests {
    static let yaml = """
    name: held-out
    spins: 4
    target: {kind: data, file: data/digits-center.txt, columns: [5, 6, 9, 10], pseudocount: 0.5, holdout: 0.2, split_seed: 3}
    model: {kind: mlp, layers: [3], activation: tanh}
    init: {kind: normal, scale: 0.3, seed: 1}
    integrator: {t_end: 10, grad_tol: 0}
    analyses:
      trajectory: {samples: 10, spacing: log, t_min: 0.01}
    """

    static func rows(_ text: String) -> [[Double]] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").map { Double($0)! } }
    }

    @Test func testLogLikelihoodAtTheStartIsTheDirectOne() throws {
        let scenario = try Scenario.parse(yaml: Self.yaml, fileName: "held-out.yaml", baseDirectory: repositoryRoot + "/scenarios")
        let resolved = try ScenarioRunner.check(scenario)
        let split = try #require(resolved.split)
        #expect(split.test.count == 359 && split.training.count == 1438)
        #expect(resolved.counts?.reduce(0, +) == 1438)

        let out = temporaryFolder()
        let report = try ScenarioRunner.run(scenario, options: RunOptions(output: out, quiet: true))
        #expect(report.lines.contains { $0.hasPrefix("held out: 359 of 1797 samples; test log-likelihood") })
        let text = try String(contentsOfFile: out + "/trajectory.dat", encoding: .utf8)
        let columns = try #require(text.split(separator: "\n").first { $0.hasPrefix("# columns:") })
        #expect(columns.hasSuffix(" w[0] w[1] w[2] c test_loglik train_loglik"))
        #expect(text.contains("# test_samples: 359\n# train_samples: 1438\n"))
        let rows = Self.rows(text)
        #expect(rows.count == 10)
        let first = rows[0]
        #expect(first[0] == 0)

        // Directly: the samples, the split, and log p_θ0 by log-sum-exp.
        let path = repositoryRoot + "/scenarios/data/digits-center.txt"
        let states = try BinarySamples.parse(try String(contentsOfFile: path, encoding: .utf8), file: path, columns: [5, 6, 9, 10]).states
        let direct = try DataSplit(samples: states, holdout: 0.2, seed: 3)
        #expect(direct == split)
        let model = MultilayerPerceptron(spins: 4, widths: [3], activation: .tanh)
        let theta0 = try Initialization.normal(scale: 0.3, seed: 1).parameters(for: model)
        let energies = model.evaluate(theta0).energies
        let shift = energies.min()!
        let logZ = log(energies.reduce(0) { $0 + exp(-($1 - shift)) }) - shift
        let testLogLikelihood = direct.test.reduce(0) { $0 - energies[$1] - logZ } / Double(direct.test.count)
        let trainLogLikelihood = direct.training.reduce(0) { $0 - energies[$1] - logZ } / Double(direct.training.count)
        #expect(abs(first[first.count - 2] - testLogLikelihood) < 1e-13)
        #expect(abs(first[first.count - 1] - trainLogLikelihood) < 1e-13)
        // Learning raises the training score.
        #expect(rows[9][first.count - 1] > trainLogLikelihood)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let heldOut = try #require(json["held_out"] as? [String: Any])
        #expect(heldOut["test_samples"] as? Int == 359)
        #expect(heldOut["split_seed"] as? Int == 3)
        #expect(abs((heldOut["initial_test_loglik"] as! Double) - testLogLikelihood) < 1e-13)
        #expect((heldOut["best_test_loglik"] as! Double) >= (heldOut["final_test_loglik"] as! Double))
    }

    @Test func tooFewSamplesForTheSplitIsAResolutionError() throws {
        let folder = temporaryFolder()
        try "0 1\n1 0\n".write(toFile: folder + "/two.txt", atomically: true, encoding: .utf8)
        let yaml = "spins: 2\ntarget: {kind: data, file: two.txt, pseudocount: 1, holdout: 0.1}\nmodel: {kind: ising}\n"
        let errors = try #require(throws: ResolutionErrors.self) {
            try ScenarioRunner.check(try Scenario.parse(yaml: yaml, fileName: "t.yaml", baseDirectory: folder))
        }
        let error = try #require(errors.errors.first)
        #expect(errors.errors.count == 1)
        #expect(error.keyPath == "target.holdout")
        #expect(error.message.contains("each side needs at least one sample"))
    }
}
