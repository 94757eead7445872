import EBMAnalysis
import EBMScenario
import Foundation

/// `trajectory`: the sampled flow, its couplings, the held-out likelihoods.
enum TrajectoryStep {
    static func run(_ run: RunContext) throws {
        let result = try run.trajectory()
        let (model, resolved) = (run.model, run.resolved)
        run.summary.record(result, model: model)
        try run.write(TrajectoryFiles.trajectory(result, model: model, scenario: run.name, split: resolved.split), "trajectory.dat")
        try run.write(TrajectoryFiles.couplings(result, target: resolved.target, scenario: run.name), "couplings.dat")
        let stats = result.statistics
        run.report.lines.append(String(format: "trajectory: stopped at t = %.6g (%@), KL = %.6e, |grad L| = %.3e",
                                       result.stopTime, result.stopReason.rawValue, result.final.loss, result.final.gradientNorm))
        run.report.lines.append("solver: \(stats.steps) steps, \(stats.rhsEvaluations) right-hand sides, \(stats.jacobianEvaluations) Jacobians, \(run.flow.linearSolverName) linear solver")
        guard let split = resolved.split else { return }
        run.summary.record(TrajectoryFiles.heldOutLikelihoods(result, model: model, split: split), along: result)
        if let h = run.summary.heldOut, let first = h.initialTestLogLikelihood, let last = h.finalTestLogLikelihood,
           let best = h.bestTestLogLikelihood, let bestTime = h.bestTime {
            run.report.lines.append(String(format: "held out: %d of %d samples; test log-likelihood %.6f at t = 0, %.6f at the end, best %.6f at t = %.6g (exact fit: %.6f)",
                                           h.testSamples, h.testSamples + h.trainingSamples, first, last, best, bestTime,
                                           h.targetTestLogLikelihood))
        }
    }
}
