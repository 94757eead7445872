import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

@Suite struct GradientFlowTests {
    /// n = 1, full model, `dJ/dt = m* - tanh J` from J = 0 has the implicit
    /// closed form `t = (m J + log((m cosh J - sinh J)/m)) / (m² - 1)`
    /// (partial fractions of `cosh J / (m cosh J - sinh J)`; `dt/dJ = 1/m` at 0).
    @Test func singleSpinMatchesClosedForm() throws {
        let m = 0.6
        let target = try Target(spins: 1, couplings: [(1, atanh(m))])
        #expect(abs(target.moments[1] - m) < 1e-15)
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 1, order: 1), target: target)
        let problem = GradientFlowProblem(objective: objective, initialParameters: [0], endTime: 20)
        let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-12))
        func timeOf(_ j: Double) -> Double { (m * j + log((m * cosh(j) - sinh(j)) / m)) / (m * m - 1) }
        /// J(t) by bisection on the monotone closed form.
        func exact(_ t: Double) -> Double {
            var lo = 0.0, hi = atanh(m)
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                if timeOf(mid) < t { lo = mid } else { hi = mid }
            }
            return 0.5 * (lo + hi)
        }
        let trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 30, spacing: .logarithmic(firstTime: 1e-2)))
        #expect(trajectory.samples.count == 30)
        for sample in trajectory.samples {
            #expect(abs(sample.parameters[0] - exact(sample.time)) < 1e-8, "t = \(sample.time)")
        }
        #expect(trajectory.samples.first?.time == 0)
        #expect(trajectory.stopTime == 20 && trajectory.stopReason == .endTime)
    }

    static func rbmProblem(endTime: Double = 200, gradientTolerance: Double = 0) throws -> GradientFlowProblem {
        let target = try Target.random(spins: 4, seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2])
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 4)
        let objective = LearningObjective(model: model, target: target)
        let theta0 = try Initialization.normal(scale: 0.1, seed: 1).parameters(for: model)
        return GradientFlowProblem(objective: objective, initialParameters: theta0, endTime: endTime, gradientTolerance: gradientTolerance)
    }

    /// `L` is non-increasing along the flow and `dL/dt = ∇L · dθ/dt = -|∇L|²`,
    /// with dθ/dt read from CVODE's interpolant (not from the right-hand side).
    @Test(arguments: [LinearSolverSelection.dense, .gmres])
    func lossDecreasesAtTheRateOfTheSquaredGradient(_ solver: LinearSolverSelection) throws {
        let problem = try Self.rbmProblem()
        let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-9, absoluteTolerance: 1e-12, linearSolver: solver))
        var checked = 0
        var previousLoss = Double.infinity
        try flow.integrate(afterStep: { t in
            let theta = try flow.parameters(at: t)
            let at = problem.objective.evaluate(theta)
            let loss = at.loss
            #expect(loss <= previousLoss + 1e-13)
            previousLoss = loss
            let gradient = at.gradient
            let rate = Vector.dot(gradient, try flow.velocity(at: t))
            let expected = -Vector.dot(gradient, gradient)
            #expect(abs(rate - expected) <= 1e-6 * abs(expected) + 1e-14, "t = \(t)")
            checked += 1
        })
        #expect(checked > 20)
        let trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 100))
        for (a, b) in zip(trajectory.samples, trajectory.samples.dropFirst()) {
            #expect(b.loss <= a.loss + 1e-13)
        }
    }

    @Test func denseAndGMRESAgree() throws {
        let problem = try Self.rbmProblem()
        let sampling = TrajectorySampling(count: 20)
        let method = GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
        var dense = method; dense.linearSolver = .dense
        var gmres = method; gmres.linearSolver = .gmres
        let a = try GradientFlow(problem: problem, method: dense).sampledTrajectory(sampling)
        let b = try GradientFlow(problem: problem, method: gmres).sampledTrajectory(sampling)
        #expect(a.linearSolver == "dense" && b.linearSolver == "gmres")
        for (x, y) in zip(a.samples, b.samples) {
            #expect(x.time == y.time)
            #expect(Vector.maxAbs(Vector.difference(x.parameters, y.parameters)) < 1e-6)
        }
    }

    /// `ising(2)` on a target with interactions of every order: the fixed
    /// point matches every moment of order ≤ 2 (maximum-entropy projection),
    /// and not the higher ones.
    @Test func pairwiseModelMatchesLowOrderMomentsOnly() throws {
        let n = 6
        let target = try Target.random(spins: n, seed: 3, orders: Array(1...n), scales: [0.5, 0.4, 0.3, 0.3, 0.3, 0.3])
        let model = GeneralisedIsingModel(spins: n, order: 2)
        let objective = LearningObjective(model: model, target: target)
        let problem = GradientFlowProblem(objective: objective, initialParameters: [Double](repeating: 0, count: model.parameterCount),
                                          endTime: 1e4, gradientTolerance: 1e-9)
        let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-13))
        let reason = try flow.integrate()
        #expect(reason == .gradientTolerance, "|grad L| = \(Vector.norm(objective.evaluate(flow.state).gradient)) at t = \(flow.time)")
        let moments = objective.evaluate(flow.state).moments
        var worstLow = 0.0, worstHigh = 0.0
        for a in 1..<(1 << n) {
            let gap = abs(moments[a] - target.moments[a])
            if Walsh.order(a) <= 2 { worstLow = max(worstLow, gap) } else { worstHigh = max(worstHigh, gap) }
        }
        #expect(worstLow < 1e-8)
        #expect(worstHigh > 1e-3)
    }

    /// The foundation's acceptance case: rbm(h=4), 4 spins, random target of
    /// orders 1-4 from a small initialisation reaches |∇L| < 1e-8.
    @Test func rbmReachesGradientTolerance() throws {
        let problem = try Self.rbmProblem(endTime: 1e6, gradientTolerance: 1e-8)
        let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-8, absoluteTolerance: 1e-10))
        let trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 50))
        #expect(trajectory.stopReason == .gradientTolerance)
        #expect(trajectory.final.gradientNorm < 1e-8)
        #expect(trajectory.final.time == trajectory.stopTime)
        #expect(trajectory.final.parameters == problem.objective.fullParameters(trajectory.finalFreeParameters))
        #expect(trajectory.statistics.steps > 0)
        // The sampling pass takes the steps of a plain integration: same stop, same state.
        let plain = try GradientFlow(problem: problem, method: flow.method)
        try plain.integrate()
        #expect(plain.time == trajectory.stopTime)
        #expect(plain.state == trajectory.finalFreeParameters)
    }

    /// Samples are computed by the kernels' all-states passes; each one
    /// agrees with the model's own evaluation at its parameters (loss,
    /// |∇L|, effective couplings, moments), on rbm (frozen units included)
    /// and mlp models.
    @Test func samplesAgreeWithTheModelsEvaluation() throws {
        let target = try Target.random(spins: 4, seed: 3, orders: [1, 2, 3, 4], scales: [0.5, 0.4, 0.3, 0.2])
        let rbm = RestrictedBoltzmannMachine(spins: 4, hidden: 3)
        let models: [(any EnergyModel, Set<Int>)] = [(rbm, []), (rbm, [0, 5]),
                                                      (MultilayerPerceptron(spins: 4, widths: [5], activation: .tanh), [])]
        for (model, frozen) in models {
            var g = SeededGenerator(seed: 8)
            let theta = (0..<model.parameterCount).map { _ in 0.3 * g.nextNormal() }
            let objective = LearningObjective(model: model, target: target, frozen: frozen, frozenValues: theta)
            let problem = GradientFlowProblem(objective: objective, initialParameters: objective.freeParameters(theta), endTime: 50)
            let trajectory = try GradientFlow(problem: problem, method: GradientFlowMethod()).sampledTrajectory(TrajectorySampling(count: 12))
            for sample in trajectory.samples {
                let exact = objective.evaluate(objective.freeParameters(sample.parameters))
                #expect(abs(sample.loss - exact.loss) <= 1e-13)
                #expect(abs(sample.gradientNorm - Vector.norm(exact.gradient)) <= 1e-12 * max(1, sample.gradientNorm))
                #expect(Vector.maxAbs(Vector.difference(sample.couplings, Walsh.canonicalOrder(exact.couplings))) <= 1e-13)
                #expect(Vector.maxAbs(Vector.difference(sample.moments, Walsh.canonicalOrder(exact.moments))) <= 1e-14)
            }
        }
    }

    @Test func sampleTimesEndAtTheStopTime() {
        let log = TrajectorySampling(count: 5, spacing: .logarithmic(firstTime: 1e-2)).times(until: 100)
        #expect(log.count == 5 && log[0] == 0 && log[4] == 100)
        #expect(log[1] == 1e-2)
        #expect(abs(log[2] / log[1] - log[3] / log[2]) < 1e-12 && abs(log[4] / log[3] - log[3] / log[2]) < 1e-12)
        let linear = TrajectorySampling(count: 3, spacing: .linear).times(until: 4)
        #expect(linear == [0, 2, 4])
    }
}
