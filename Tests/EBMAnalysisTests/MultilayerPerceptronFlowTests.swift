import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

/// The mlp through the generic machinery: flow, classification.
@Suite struct MultilayerPerceptronFlowTests {
    /// A one-hidden-layer tanh net of width 4 on 3 spins (`P = 21`, rank of
    /// `G` = 7 = `2^3 - 1`) learns a random target to a data-consistent fixed
    /// point. The offset `c` never moves (`∂L/∂c = Σ_x (q - p) = 0`) and is
    /// one neutral direction more than with `c` frozen, along which the
    /// effective model does not change.
    @Test func fullyExpressiveNetReachesADataConsistentFixedPoint() throws {
        let n = 3
        let target = try Target.random(spins: n, seed: 11, orders: [1, 2, 3], scales: [0.6, 0.4, 0.3])
        let model = MultilayerPerceptron(spins: n, widths: [4], activation: .tanh)
        let theta0 = try Initialization.normal(scale: 0.5, seed: 2).parameters(for: model)
        let rank = try LAPACK.rank(model.couplingJacobian(theta0), relativeTolerance: 1e-10)
        #expect(rank == 7)
        let objective = LearningObjective(model: model, target: target)
        let problem = GradientFlowProblem(objective: objective, initialParameters: theta0, endTime: 1e6, gradientTolerance: 1e-11)
        let flow = try GradientFlow(problem: problem, method: GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-12))
        let trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 20))
        #expect(trajectory.stopReason == .gradientTolerance)
        let end = trajectory.finalFreeParameters
        #expect(abs(end[model.parameterCount - 1] - theta0[model.parameterCount - 1]) < 1e-9) // rounding only
        let point = try FixedPoint.classify(end, objective: objective, tolerances: ClassificationTolerances(), foundBy: "trajectory")
        #expect(point.kind == .dataConsistent)
        #expect(point.consistentToOrder == 3)
        #expect(point.loss < 1e-10)
        #expect(point.unstable == 0 && point.stable == 7)
        #expect(point.type == .degenerate)
        #expect(point.maximumNeutralCouplingChange < 1e-6)
        #expect(point.orbitSize == 4 * 3 * 2 * 16)

        let offset = model.parameterCount - 1
        let withoutOffset = LearningObjective(model: model, target: target, frozen: [offset], frozenValues: end)
        let reduced = try FixedPoint.classify(withoutOffset.freeParameters(end), objective: withoutOffset,
                                              tolerances: ClassificationTolerances(), foundBy: "trajectory")
        #expect(reduced.kind == .dataConsistent && reduced.stable == point.stable)
        #expect(reduced.neutral == point.neutral - 1)
    }
}
