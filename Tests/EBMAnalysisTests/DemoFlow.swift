import EBMAnalysis
import EBMCore

/// The demo scenario's learning problem: an rbm(h=4) on a random 4-spin
/// target of orders 1-4 (seed 7), from a normal initialisation of scale
/// 1e-3 (seed 1), to t = 1e5 or |∇L| < 1e-10.
enum DemoFlow {
    static func problem() throws -> (model: RestrictedBoltzmannMachine, flow: GradientFlowProblem) {
        let target = try Target.random(spins: 4, seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2])
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 4)
        let objective = LearningObjective(model: model, target: target)
        let theta0 = try Initialization.normal(scale: 1e-3, seed: 1).parameters(for: model)
        return (model, GradientFlowProblem(objective: objective, initialParameters: theta0, endTime: 1e5, gradientTolerance: 1e-10))
    }
}
