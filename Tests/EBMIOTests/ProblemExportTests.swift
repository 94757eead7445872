import Foundation
import Testing
import EBMCore
import EBMIO
import EBMScenario

/// `ebmflow export`: what another solver reads is exactly the resolved problem.
@Suite struct ProblemExportTests {
    static let scenarios = [
        """
        name: export-rbm
        spins: 4
        target: {kind: random, seed: 3, orders: [1, 2, 3, 4], scale: [0.5, 0.25, 0.17, 0.125]}
        model: {kind: rbm, hidden: 3, units: binary, frozen: ["b[1]"]}
        init: {kind: normal, scale: 0.3, seed: 9}
        integrator: {rtol: 1.0e-7, atol: 1.0e-11, t_end: 250, grad_tol: 0}
        """,
        """
        name: export-ising
        spins: 5
        target: {kind: parity, strength: 0.7}
        model: {kind: ising, order: 3}
        init: {kind: uniform, scale: 0.1, seed: 2}
        integrator: {t_end: 10}
        """,
    ]

    @Test(arguments: scenarios)
    func roundTripKeepsEveryNumber(_ yaml: String) throws {
        let resolved = try ScenarioRunner.check(try scenario(yaml))
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try ExportedProblem(resolved).write(into: folder)
        let read = try ExportedProblem.read(from: path)
        #expect(read == (try ExportedProblem(resolved)))
        #expect(read.format == ExportedProblem.formatName)
        #expect(read.target.probabilities == resolved.target.probabilities)
        #expect(read.target.logProbabilities == resolved.target.logProbabilities)
        #expect(read.target.couplings == resolved.target.couplings)
        #expect(read.initialParameters == resolved.initialParameters)
        #expect(read.freeIndices == resolved.objective.freeIndices)
        #expect(read.parameterNames == resolved.model.parameterNames)
        #expect(read.states == 1 << resolved.scenario.spins)
        #expect(read.integrator.rtol == resolved.scenario.integrator.relativeTolerance)
        #expect(read.integrator.atol == resolved.scenario.integrator.absoluteTolerance)
        #expect(read.integrator.tEnd == resolved.scenario.integrator.endTime)
        #expect(read.model.parameterCount == resolved.model.parameterCount)
        if let ising = resolved.model as? GeneralisedIsingModel {
            #expect(read.model.interactions == ising.interactions)
        }
    }

    /// The exported description is enough to rebuild the energies: the
    /// layout of θ and the spin convention are the ones the model uses.
    @Test func exportedRBMReproducesTheEnergies() throws {
        let resolved = try ScenarioRunner.check(try scenario(Self.scenarios[0]))
        let problem = try ExportedProblem(resolved)
        let n = problem.spins, h = try #require(problem.model.hidden)
        let theta = problem.initialParameters
        let energies = resolved.model.evaluate(theta).energies
        for x in 0..<problem.states {
            let v = (0..<n).map { Double((x >> $0) & 1) }
            var e = 0.0
            for i in 0..<n { e -= theta[i] * v[i] }
            for mu in 0..<h {
                var u = theta[n + mu]
                for i in 0..<n { u += theta[n + h + mu * n + i] * v[i] }
                e -= log(1 + exp(u))
            }
            #expect(abs(e - energies[x]) < 1e-13)
        }
    }
}
