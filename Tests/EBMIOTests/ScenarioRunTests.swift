import Foundation
import Testing
import EBMCore
@testable import EBMIO
import EBMScenario

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "ebmflow-test-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func scenario(_ yaml: String, baseDirectory: String? = nil) throws -> Scenario {
    try Scenario.parse(yaml: yaml, fileName: "test.yaml", baseDirectory: baseDirectory)
}

/// A basin map of rbm(h=1) on a 3-spin random target, on a random plane
/// through the origin: every start ends in the certified ball of one of two
/// sinks, and 40 × 40 starts take a few seconds on one release thread, long
/// enough to interrupt the map part-way.
func basinScenario(name: String, resolution: (x: Int, y: Int)) -> String {
    """
    name: \(name)
    spins: 3
    target: {kind: random, seed: 8, orders: [1, 2, 3], scale: [0.5, 0.5, 0.4]}
    model: {kind: rbm, hidden: 1}
    init: {kind: zeros}
    integrator: {t_end: 1000}
    analyses:
      basins:
        plane: {random: 3, center: init}
        range: {x: [-1.5, 1.5], y: [-1.5, 1.5]}
        resolution: [\(resolution.x), \(resolution.y)]
        t_max: 1000
        tol: 1.0e-8
    """
}

let smallScenario = """
name: small
spins: 3
target: {kind: random, seed: 5, orders: [1, 2, 3], scale: 0.5}
model: {kind: rbm, hidden: 2}
init: {kind: normal, scale: 0.01, seed: 2}
integrator: {rtol: 1.0e-8, atol: 1.0e-10, t_end: 50, grad_tol: 0}
analyses:
  trajectory: {samples: 20, spacing: log, t_min: 0.01}
"""

@Suite struct ScenarioRunTests {
    @Test func embeddedDefaultIsTheDemoFile() throws {
        let file = try String(contentsOfFile: repositoryRoot + "/scenarios/demo.yaml", encoding: .utf8)
        #expect(file == DefaultScenario.text)
    }

    @Test func everyScenarioInTheRepositoryValidates() throws {
        let folder = repositoryRoot + "/scenarios"
        let files = FileManager.default.enumerator(atPath: folder)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            #expect(throws: Never.self, "\(file)") { _ = try ScenarioRunner.check(try Scenario.load(contentsOf: folder + "/" + file)) }
        }
    }

    @Test func runWritesTheCoreFilesWithHeaders() throws {
        let out = temporaryFolder()
        let report = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: out, quiet: true))
        #expect(report.files == ["trajectory.dat", "couplings.dat", "summary.json"])
        let trajectory = try String(contentsOfFile: out + "/trajectory.dat", encoding: .utf8)
        let lines = trajectory.split(separator: "\n")
        #expect(lines[0] == "# ebmflow \(EBMFlowVersion.current)")
        #expect(lines[1] == "# scenario: small")
        let columns = lines.first { $0.hasPrefix("# columns:") }!
        #expect(columns == "# columns: t KL grad_norm a[0] a[1] a[2] b[0] b[1] W[0,0] W[0,1] W[0,2] W[1,0] W[1,1] W[1,2]")
        let rows = lines.filter { !$0.hasPrefix("#") }
        #expect(rows.count == 20)
        #expect(rows.allSatisfy { $0.split(separator: " ").count == 14 })
        let couplings = try String(contentsOfFile: out + "/couplings.dat", encoding: .utf8)
        #expect(couplings.contains("# columns: t J{0} J{1} J{2} J{0,1} J{0,2} J{1,2} J{0,1,2}\n"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let result = json["trajectory"] as! [String: Any]
        #expect(result["stop_reason"] as? String == "t_end")
        #expect((result["final_KL"] as! Double) < (result["initial_KL"] as! Double))
        let stats = result["solver_statistics"] as! [String: Any]
        #expect((stats["steps"] as! Int) > 0)
        #expect((json["scenario_hash"] as! String).hasPrefix("fnv1a64:"))
    }

    @Test func runsAreByteIdenticalAndNeverOverwriteSilently() throws {
        let a = temporaryFolder(), b = temporaryFolder()
        _ = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: a, quiet: true))
        _ = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: b, quiet: true))
        for name in ["trajectory.dat", "couplings.dat", "summary.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: a + "/" + name)) == Data(contentsOf: URL(fileURLWithPath: b + "/" + name)))
        }
        #expect(throws: OutputError.self) { _ = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: a, quiet: true)) }
        _ = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: a, quiet: true, force: true))
    }

    @Test func unwritableOutputFailsBeforeAnyWork() throws {
        let file = temporaryFolder() + "/plain-file"
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: OutputError.self) {
            _ = try ScenarioRunner.run(try scenario(smallScenario), options: RunOptions(output: file + "/sub", quiet: true))
        }
    }

    @Test func dataTargetWithEmptyStateNeedsPseudocount() throws {
        let folder = temporaryFolder()
        try "0 0\n0 1\n1 0\n".write(toFile: folder + "/x.txt", atomically: true, encoding: .utf8)
        let yaml = """
        name: data
        spins: 2
        target: {kind: data, file: x.txt, pseudocount: 0}
        model: {kind: ising}
        """
        do {
            _ = try ScenarioRunner.check(try scenario(yaml, baseDirectory: folder))
            Issue.record("a zero count without pseudocount was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("target"))
            #expect(message.contains("state 3") && message.contains("pseudocount"))
        }
        let fixed = yaml.replacingOccurrences(of: "pseudocount: 0", with: "pseudocount: 1")
        let resolved = try ScenarioRunner.check(try scenario(fixed, baseDirectory: folder))
        #expect(abs(resolved.target.probabilities[3] - 1.0 / 7.0) < 1e-15)
    }

    @Test func unknownFrozenOrInitialNamesAreErrors() throws {
        let frozen = smallScenario.replacingOccurrences(of: "model: {kind: rbm, hidden: 2}", with: "model: {kind: rbm, hidden: 2, frozen: [\"b[5]\"]}")
        do {
            _ = try ScenarioRunner.check(try scenario(frozen))
            Issue.record("unknown frozen name accepted")
        } catch {
            #expect("\(error)".hasPrefix("model.frozen: unknown parameter `b[5]`"))
        }
        let frozenOK = smallScenario.replacingOccurrences(of: "model: {kind: rbm, hidden: 2}", with: "model: {kind: rbm, hidden: 2, frozen: [\"b[0]\", \"b[1]\"]}")
        let resolved = try ScenarioRunner.check(try scenario(frozenOK))
        #expect(resolved.objective.dimension == resolved.model.parameterCount - 2)
    }

    @Test func spinsTooLargeForMemoryAreRefusedWithTheEstimate() throws {
        let yaml = """
        name: huge
        spins: 30
        target: {kind: parity, strength: 1.0}
        model: {kind: rbm, hidden: 30}
        """
        // 2^30 states cannot be built on this machine: the refusal must come
        // from the estimate, before the target is allocated.
        do {
            _ = try ScenarioRunner.check(try scenario(yaml))
            Issue.record("a 30-spin RBM was accepted")
        } catch {
            #expect("\(error)".hasPrefix("spins: 30 spins need about"))
        }
    }
}

@Suite struct PipelineTests {
    /// Each step reads only what earlier steps made, and the registry's
    /// names are the scenario's analysis keys.
    @Test func registryIsOrderedAndNamesTheAnalyses() {
        #expect(ScenarioRunner.availableAnalyses == ["trajectory", "orders", "fixed_points", "continuation", "basins", "portrait"])
        let all = AnalysesSpecification(trajectory: TrajectorySpecification(), orders: OrdersSpecification(),
                                        fixedPoints: .default, basins: BasinsSpecification(plane: .random(seed: 1, center: .initialization)),
                                        portrait: PortraitSpecification(plane: .random(seed: 1, center: .initialization)))
        #expect(ScenarioRunner.requestedAnalyses(all) == ["trajectory", "orders", "fixed_points", "basins", "portrait"])
        #expect(AnalysisRegistry.isOrdered)
    }

    /// The order of blocks in a scenario does not change a single byte.
    @Test func blockOrderDoesNotChangeResults() throws {
        let blocks = [
            "  trajectory: {samples: 20}\n",
            "  fixed_points: {starts: 3}\n",
            "  basins: {plane: {x: \"W[0,0]\", y: \"b[0]\", center: end}, resolution: [4, 3], t_max: 100}\n",
            "  portrait: {plane: {x: \"W[0,0]\", y: \"b[0]\", center: end}, grid: [5, 5], orbits: {grid: [2, 2], t_max: 20}}\n",
        ]
        let head = "name: order\nspins: 3\nmodel: {kind: rbm, hidden: 1}\ntarget: {kind: random, seed: 2, orders: [1, 2], scale: 0.5}\ninit: {kind: normal, scale: 0.1, seed: 1}\nintegrator: {t_end: 100}\nanalyses:\n"
        var folders: [String] = []
        for order in [[0, 1, 2, 3], [3, 2, 1, 0]] {
            let out = temporaryFolder()
            let yaml = head + order.map { blocks[$0] }.joined()
            _ = try ScenarioRunner.run(try Scenario.parse(yaml: yaml, fileName: "order.yaml"), options: RunOptions(output: out, quiet: true))
            folders.append(out)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folders[0]).sorted()
        #expect(files.contains("basins.dat") && files.contains("fixed_points.dat") && files.contains("portrait_points.dat"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders[1]).sorted() == files)
        // summary.json names the scenario text's hash, which differs by construction.
        func contents(_ folder: String, _ file: String) throws -> [Substring] {
            try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n")
                .filter { !(file == "summary.json" && $0.contains("\"scenario_hash\"")) }
        }
        for file in files {
            #expect(try contents(folders[0], file) == contents(folders[1], file), "\(file)")
        }
    }
}
