import EBMAnalysis
import EBMScenario
import Foundation

/// `orders`: when each interaction order is learned and when it starts
/// (the root-finding pass on the sampled trajectory's stop, by couplings,
/// moments and connected information), the early growth of each order's
/// couplings, and the connected information at every sample.
enum OrdersStep {
    /// Above this many spins `orders` skips the connected information: its
    /// Newton solves cost `O(P_k² 2^n)` per iteration and sample.
    static let informationSpinLimit = 8

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.orders else { return }
        let (trajectory, resolved, progress, name) = (try run.trajectory(), run.resolved, run.progress, run.name)
        let measuresInformation = resolved.scenario.spins <= informationSpinLimit
        progress.say("orders: root finding on r_k, d_k\(measuresInformation ? ", I_k" : "") up to t = \(String(format: "%.6g", trajectory.stopTime))")
        let convergence = try OrderConvergence.solve(
            OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: spec.thresholds, onsets: spec.onsets,
                                    measuresInformation: measuresInformation), method: resolved.method,
            stoppedAt: trajectory.stopTime, reason: trajectory.stopReason, finalParameters: trajectory.finalFreeParameters) { t in
                progress.update("orders: t = \(String(format: "%.4g", t))")
                try run.options.stop.check("orders")
            }
        try run.write(OrdersFiles.orders(trajectory, convergence: convergence, scenario: name), "orders.dat")
        try run.write(OrdersFiles.times(convergence, scenario: name), "order_times.dat")
        if !convergence.onsets.isEmpty { try run.write(OrdersFiles.onsets(convergence, scenario: name), "order_onsets.dat") }
        var information: OrdersSummary.Information?
        if measuresInformation {
            progress.say("orders: connected information at \(trajectory.samples.count) samples")
            var solver = ConnectedInformationSolver(spins: resolved.scenario.spins)
            let target = try solver.information(of: resolved.target)
            let along = try ConnectedInformationSolver.along(trajectory, model: resolved.model) { k in
                progress.update("orders: connected information at sample \(k + 1) of \(trajectory.samples.count)")
                try run.options.stop.check("orders")
            }
            let worst = along.map(\.momentMismatch).reduce(target.momentMismatch, max)
            try run.write(OrdersFiles.information(trajectory, information: along, target: target, worstMomentMismatch: worst, scenario: name),
                      "information.dat")
            information = OrdersSummary.Information(
                target: target.perOrder, final: along.last?.perOrder ?? [], initialReference: convergence.information?.initial,
                finalReference: convergence.information?.final, momentTolerance: MaximumEntropyProjection.momentTolerance,
                worstMomentMismatch: worst)
        } else {
            run.report.lines.append("orders: connected information skipped (spins > \(informationSpinLimit))")
        }
        let growth = EarlyGrowth(trajectory, window: spec.growthWindow)
        run.report.lines += reportLines(convergence, growth: growth)
        if !(convergence.endpointDeviation == 0) {
            progress.say("warning: the root-finding pass ended \(convergence.endpointDeviation) away from theta_inf")
        }
        run.summary.orders = OrdersSummary(convergence, information: information, growth: growth)
    }

    /// `orders (epsilon = E): t_J = … (ordered); t_m = …; t_I = …` per ε,
    /// `onsets (f = F): …` per fraction, and the growth slopes.
    static func reportLines(_ convergence: OrderConvergence, growth: EarlyGrowth) -> [String] {
        func list(_ times: [[OrderTime]], _ j: Int) -> String {
            times.map { $0[j].time.map { String(format: "%.4g", $0) } ?? $0[j].status }.joined(separator: " ")
        }
        func measures(_ times: (OrderMeasure) -> [[OrderTime]]?, _ ordered: (OrderMeasure) -> Bool?, _ j: Int, prefix: String) -> String {
            OrderMeasure.allCases.compactMap { measure in
                guard let values = times(measure), let holds = ordered(measure) else { return nil }
                return "\(prefix)\(measure.symbol) = \(list(values, j)) (\(holds ? "ordered" : "not ordered"))"
            }.joined(separator: "; ")
        }
        var lines = convergence.thresholds.enumerated().map { j, e in
            "orders (epsilon = \(e)): " + measures(convergence.times, { convergence.hierarchyHolds($0, threshold: j) }, j, prefix: "t_")
        }
        lines += convergence.onsets.enumerated().map { j, f in
            "onsets (f = \(f)): " + measures({ convergence.onsetTimes[$0] }, { convergence.onsetHierarchyHolds($0, fraction: j) }, j,
                                             prefix: "t_on_")
        }
        let window = growth.window.map { String(format: "%g", $0) }.joined(separator: ", ")
        lines.append("early growth (\(growth.samples) samples in t = [\(window)]): log-log slope of |J^(k)(t) - J^(k)(0)| = "
                     + growth.slopes.map { $0.map { String(format: "%.3g", $0) } ?? "-" }.joined(separator: " "))
        return lines
    }
}
