import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

/// `ising(n)` with `k = n` through its transform kernel (GMRES, J·v by two
/// transforms, diagonal preconditioner) against the generic path (the
/// model's `EnergyEvaluation`, dense analytic Hessian, dense LU).
@Suite struct FullModelFlowTests {
    /// The full model seen only through the `EnergyModel` protocol, so that
    /// it gets the generic kernel.
    struct GenericIsing: EnergyModel {
        let base: GeneralisedIsingModel
        var spins: Int { base.spins }
        var parameterCount: Int { base.parameterCount }
        var parameterNames: [String] { base.parameterNames }
        var description: String { "generic " + base.description }
        func evaluate(_ theta: [Double]) -> any EnergyEvaluation { base.evaluate(theta) }
        func canonicalized(_ theta: [Double]) -> [Double] { theta }
    }

    @Test func transformPathFollowsTheDenseGenericTrajectory() throws {
        let n = 8
        let target = try Target.random(spins: n, seed: 7, orders: Array(1...n), scales: (1...n).map { 0.5 / Double($0) })
        let fast = LearningObjective(model: GeneralisedIsingModel(spins: n, order: n), target: target)
        let generic = LearningObjective(model: GenericIsing(base: GeneralisedIsingModel(spins: n, order: n)), target: target)
        let theta0 = try Initialization.normal(scale: 0.01, seed: 1).parameters(for: fast.model)
        let times = [1.0, 10, 100, 1000]
        func trajectory(_ objective: LearningObjective, _ solver: LinearSolverSelection) throws -> ([[Double]], GradientFlow) {
            let problem = GradientFlowProblem(objective: objective, initialParameters: theta0, endTime: times.last!)
            let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-8, absoluteTolerance: 1e-10,
                                                                                   linearSolver: solver))
            var states: [[Double]] = []
            for t in times {
                try flow.integrate(until: t)
                states.append(flow.state)
            }
            return (states, flow)
        }
        let (viaTransforms, fastFlow) = try trajectory(fast, .gmres)
        let (viaDense, denseFlow) = try trajectory(generic, .dense)
        #expect(fastFlow.system.usesPreconditioner)
        #expect(fastFlow.statistics.jacobianVectorEvaluations > 0 && fastFlow.statistics.jacobianEvaluations == 0)
        #expect(denseFlow.statistics.jacobianEvaluations > 0)
        for (k, t) in times.enumerated() {
            let difference = Vector.maxAbs(Vector.difference(viaTransforms[k], viaDense[k]))
            let scale = max(1, Vector.maxAbs(viaDense[k]))
            #expect(difference <= 1e-6 * scale, "t = \(t): |Δθ| = \(difference)")
        }
    }
}
