import EBMAnalysis
import EBMCore
import Foundation

/// `visits.dat`: which fixed points the flows of the `flows` method passed
/// near, against the whole catalog (docs/hierarchy.md, Which spurious
/// points learning meets). One row per effective model of the catalog
/// (finite points; asymptotic rows left out): how far it is consistent with
/// the target, order by order, and how the flows met it.
public enum VisitFiles {
    public struct Model: Sendable, Equatable {
        /// The catalog's effective-model group and its first row.
        public var group: Int
        public var row: Int
        public var consistentToOrder: Int
        public var loss: Double
        /// `max_{|A| = k} |m_A(p*) - m_A(q)|`, `k = 1 ... n` at `k - 1`.
        public var momentGaps: [Double]
        /// Flows that passed near the model (`FlowPassage.isNear` at a
        /// plateau Newton-polished onto one of its rows), and their time near it.
        public var nearFlows: Int
        public var nearTime: Double
        /// The smallest coupling distance of a flow's plateau polished onto it (`+∞`: none was).
        public var closestApproach: Double
    }

    /// The models, from the report (nil when the `flows` method did not
    /// run). A flow near one row of a model is near all of them (they share
    /// the effective model): a model's flows and time are its rows' largest.
    public static func models(_ report: FixedPointReport, objective: LearningObjective) -> [Model]? {
        let catalog = report.catalog
        guard report.nearVisits.count == catalog.points.count, !catalog.points.isEmpty else { return nil }
        let n = objective.target.spins
        var models: [Model] = []
        for (id, point) in catalog.points.enumerated() where point.kind != .asymptotic {
            let group = catalog.groups[id]
            if let k = models.firstIndex(where: { $0.group == group }) {
                models[k].nearFlows = max(models[k].nearFlows, report.nearVisits[id])
                models[k].nearTime = max(models[k].nearTime, report.nearTime[id])
                models[k].closestApproach = min(models[k].closestApproach, report.closestApproach[id])
                continue
            }
            let moments = objective.evaluate(objective.freeParameters(point.parameters)).moments
            var gaps = [Double](repeating: 0, count: n)
            for a in 1..<moments.count {
                gaps[Walsh.order(a) - 1] = max(gaps[Walsh.order(a) - 1], abs(moments[a] - objective.target.moments[a]))
            }
            models.append(Model(group: group, row: id, consistentToOrder: point.consistentToOrder, loss: point.loss,
                                momentGaps: gaps, nearFlows: report.nearVisits[id], nearTime: report.nearTime[id],
                                closestApproach: report.closestApproach[id]))
        }
        return models
    }

    public static func table(_ models: [Model], spins n: Int, flows: Int, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario,
                            columns: ["group", "row", "consistent_to_order", "KL"] + (1...n).map { "gap_\($0)" } + ["near_flows", "near_time", "closest"],
                            constants: [("flows", String(flows)), ("near_radius", String(format: "%g", FlowPassage.nearRadius))])
        file.comment("one row per effective model of the catalog (finite fixed points); row: its first catalog row")
        file.comment("gap_k = max over |A| = k of |m_A(p*) - m_A(q)|: how far the model is from the target's moments of order k")
        file.comment("near_flows: flows that passed near it, max_A |J_A(theta(t)) - J_A(theta*)| <= near_radius at a plateau "
                     + "Newton-polished onto it; near_time: their sampled time within near_radius, summed")
        file.comment("closest: the smallest max_A |J_A - J_A(theta*)| at a flow's plateau Newton-polished onto it (inf: no flow's plateau was)")
        for model in models {
            file.append([Double(model.group), Double(model.row), Double(model.consistentToOrder), model.loss] + model.momentGaps
                        + [Double(model.nearFlows), model.nearTime, model.closestApproach])
        }
        return file
    }

    /// Per consistent_to_order, the models flows passed near out of all;
    /// then the median KL and moment gaps by order of all models and of
    /// those passed near.
    public static func summaryLines(_ models: [Model], flows: Int) -> [String] {
        let near = models.filter { $0.nearFlows > 0 }
        var lines = ["visited by \(flows) flows (within \(String(format: "%g", FlowPassage.nearRadius)) of every coupling at a plateau): "
                     + "\(near.count) of \(models.count) effective models, \(near.map(\.nearFlows).reduce(0, +)) passages"]
        for order in Set(models.map(\.consistentToOrder)).sorted() {
            let all = models.filter { $0.consistentToOrder == order }, met = all.filter { $0.nearFlows > 0 }
            lines.append(String(format: "  consistent to order %d: %d of %d models passed near, %d passages, time near %.4g",
                                order, met.count, all.count, met.map(\.nearFlows).reduce(0, +), met.map(\.nearTime).reduce(0, +)))
        }
        func medians(_ set: [Model]) -> String {
            guard !set.isEmpty else { return "-" }
            let n = set[0].momentGaps.count
            return String(format: "KL %.3g, gap_k ", median(set.map(\.loss)))
                + (0..<n).map { k in String(format: "%.3g", median(set.map { $0.momentGaps[k] })) }.joined(separator: " ")
        }
        lines.append("  medians, all models: " + medians(models))
        lines.append("  medians, models passed near: " + medians(near))
        return lines
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid])
    }
}
