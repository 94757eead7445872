import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConnectedInformationTests {
    /// A target with couplings of order ≤ 2 only is its own pairwise
    /// maximum-entropy projection: no information above order 2.
    @Test func pairwiseTargetHasNoHigherOrderInformation() throws {
        let q = try Target.random(spins: 5, seed: 4, orders: [1, 2], scales: [0.7, 0.6])
        var solver = ConnectedInformationSolver(spins: 5)
        let information = try solver.information(of: q)
        #expect(information.perOrder[0] > 1e-2 && information.perOrder[1] > 1e-2)
        for k in 3...5 { #expect(abs(information.perOrder[k - 1]) < 1e-10, "I_\(k) = \(information.perOrder[k - 1])") }
        #expect(information.momentMismatch <= MaximumEntropyProjection.momentTolerance)
    }

    /// `Σ_k I_k(q) = KL(q || uniform)`, and each `I_k` is the entropy drop
    /// `S(p^(k-1)) - S(p^(k))` computed from the projected distributions
    /// themselves (not from the divergences the sum telescopes), `≥ 0`.
    @Test(arguments: [UInt64(1), 2, 3])
    func informationSplitsTheDivergenceFromUniform(seed: UInt64) throws {
        let n = 4
        let q = try Target.random(spins: n, seed: seed, orders: [1, 2, 3, 4], scales: [0.8, 0.6, 0.5, 0.5])
        var solver = ConnectedInformationSolver(spins: n)
        let information = try solver.information(of: q)
        let uniform = Double(n) * log(2.0)
        let klUniform = q.probabilities.indices.reduce(0.0) { $0 + q.probabilities[$1] * (q.logProbabilities[$1] + log(16.0)) }
        #expect(abs(information.perOrder.reduce(0, +) - klUniform) < 1e-10)
        var entropies = [uniform]
        for k in 1..<n {
            let projection = try MaximumEntropyProjection.of(q, order: k)
            #expect(projection.momentMismatch <= MaximumEntropyProjection.momentTolerance)
            // moments of order ≤ k match, computed independently
            let moments = Distribution.moments(projection.logProbabilities.map { exp($0) })
            for a in 1..<(1 << n) where Walsh.order(a) <= k { #expect(abs(moments[a] - q.moments[a]) < 1e-11) }
            entropies.append(Distribution.entropy(projection.logProbabilities.map { exp($0) }))
        }
        entropies.append(q.entropy)
        for k in 1...n {
            #expect(information.perOrder[k - 1] > -1e-12)
            #expect(abs(information.perOrder[k - 1] - (entropies[k - 1] - entropies[k])) < 1e-10, "I_\(k)")
        }
    }

    /// Independent spins: all the information is in the fields.
    @Test func independentSpinsHaveOnlyFirstOrderInformation() throws {
        let q = try Target(spins: 3, couplings: [(1, 0.5), (2, -1.0), (4, 0.2)])
        var solver = ConnectedInformationSolver(spins: 3)
        let information = try solver.information(of: q)
        let expected = [0.5, -1.0, 0.2].reduce(0.0) { total, h in
            let p = (1 + tanh(h)) / 2
            return total + log(2.0) + p * log(p) + (1 - p) * log(1 - p)
        }
        #expect(abs(information.perOrder[0] - expected) < 1e-12)
        #expect(abs(information.perOrder[1]) < 1e-12 && abs(information.perOrder[2]) < 1e-12)
    }

    /// Warm starts along a flow give the same numbers as cold starts.
    @Test func warmStartsAgreeWithColdStarts() throws {
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 3)
        let q = try Target.random(spins: 4, seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2])
        let objective = LearningObjective(model: model, target: q)
        let theta0 = try Initialization.normal(scale: 0.1, seed: 1).parameters(for: model)
        let flow = try GradientFlow(problem: GradientFlowProblem(objective: objective, initialParameters: theta0, endTime: 100),
                                    method: GradientFlowMethod())
        let trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 12, spacing: .logarithmic(firstTime: 0.1)))
        let warm = try ConnectedInformationSolver.along(trajectory, model: model)
        for (sample, information) in zip(trajectory.samples, warm) {
            var cold = ConnectedInformationSolver(spins: 4)
            let p = try Target(spins: 4, unnormalisedLogProbabilities: model.evaluate(sample.parameters).energies.map { -$0 })
            let reference = try cold.information(of: p)
            #expect(Vector.maxAbs(Vector.difference(information.perOrder, reference.perOrder)) < 1e-12)
        }
    }
}
