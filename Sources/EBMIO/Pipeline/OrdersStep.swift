import EBMAnalysis
import EBMScenario
import Foundation

/// `orders`: when each interaction order is learned (the root-finding
/// pass on the sampled trajectory's stop), and the connected information
/// at every sample.
enum OrdersStep {
    /// Above this many spins `orders` skips the connected information: its
    /// Newton solves cost `O(P_k² 2^n)` per iteration and sample.
    static let informationSpinLimit = 8

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.orders else { return }
        let (trajectory, resolved, progress, name) = (try run.trajectory(), run.resolved, run.progress, run.name)
        progress.say("orders: root finding on r_k - epsilon and d_k - epsilon up to t = \(String(format: "%.6g", trajectory.stopTime))")
        let convergence = try OrderConvergence.solve(
            OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: spec.thresholds), method: resolved.method,
            stoppedAt: trajectory.stopTime, reason: trajectory.stopReason, finalParameters: trajectory.finalFreeParameters) { t in
                progress.update("orders: t = \(String(format: "%.4g", t))")
            }
        try run.write(OrdersFiles.orders(trajectory, convergence: convergence, scenario: name), "orders.dat")
        try run.write(OrdersFiles.times(convergence, scenario: name), "order_times.dat")
        var information: OrdersSummary.Information?
        if resolved.scenario.spins <= informationSpinLimit {
            progress.say("orders: connected information at \(trajectory.samples.count) samples")
            var solver = ConnectedInformationSolver(spins: resolved.scenario.spins)
            let target = try solver.information(of: resolved.target)
            let along = try ConnectedInformationSolver.along(trajectory, model: resolved.model)
            let worst = along.map(\.momentMismatch).reduce(target.momentMismatch, max)
            try run.write(OrdersFiles.information(trajectory, information: along, target: target, worstMomentMismatch: worst, scenario: name),
                      "information.dat")
            information = OrdersSummary.Information(
                target: target.perOrder, final: along.last?.perOrder ?? [], momentTolerance: MaximumEntropyProjection.momentTolerance,
                worstMomentMismatch: worst)
        } else {
            run.report.lines.append("orders: connected information skipped (spins > \(informationSpinLimit))")
        }
        let epsilon = convergence.thresholds
        for (j, e) in epsilon.enumerated() {
            func list(_ times: [[OrderTime]]) -> String {
                times.map { $0[j].time.map { String(format: "%.4g", $0) } ?? $0[j].status }.joined(separator: " ")
            }
            run.report.lines.append("orders (epsilon = \(e)): t_J = \(list(convergence.couplingTimes)) "
                + "(\(convergence.couplingHierarchyHolds(threshold: j) ? "ordered" : "not ordered")); "
                + "t_m = \(list(convergence.momentTimes)) (\(convergence.momentHierarchyHolds(threshold: j) ? "ordered" : "not ordered"))")
        }
        if !(convergence.endpointDeviation == 0) {
            progress.say("warning: the root-finding pass ended \(convergence.endpointDeviation) away from theta_inf")
        }
        run.summary.orders = OrdersSummary(convergence, information: information)
    }
}
