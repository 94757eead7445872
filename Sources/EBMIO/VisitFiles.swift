import EBMAnalysis
import EBMCore
import Foundation

/// `visits.dat`: which fixed points the flows of the `flows` method passed
/// near, against the whole catalog, by how far each is consistent with the
/// target (docs/hierarchy.md, Which spurious points learning meets).
public enum VisitFiles {
    /// Per `consistent_to_order`: the catalog's effective models (and rows),
    /// those flows passed near, the flows that did (summed over those
    /// models: a flow counts once per model it passed near) and their time
    /// near them.
    public struct Row: Sendable, Equatable {
        public var consistentToOrder: Int
        public var models: Int
        public var rows: Int
        public var nearModels: Int
        public var nearFlows: Int
        public var nearTime: Double
    }

    /// The rows by order, from the report (nil when the `flows` method did
    /// not run). A model counts as passed near when any of its rows was;
    /// its flows and time are its rows' largest (rows of one model share
    /// the effective model, so a flow near one is near all).
    public static func rows(_ report: FixedPointReport) -> [Row]? {
        let catalog = report.catalog
        guard report.nearVisits.count == catalog.points.count, !catalog.points.isEmpty else { return nil }
        var byGroup: [Int: (order: Int, rows: Int, flows: Int, time: Double)] = [:]
        for (id, point) in catalog.points.enumerated() where point.kind != .asymptotic {
            let group = catalog.groups[id]
            var entry = byGroup[group] ?? (point.consistentToOrder, 0, 0, 0)
            entry.rows += 1
            entry.flows = max(entry.flows, report.nearVisits[id])
            entry.time = max(entry.time, report.nearTime[id])
            byGroup[group] = entry
        }
        let orders = Set(byGroup.values.map(\.order)).sorted()
        return orders.map { order in
            let groups = byGroup.values.filter { $0.order == order }
            let near = groups.filter { $0.flows > 0 }
            return Row(consistentToOrder: order, models: groups.count, rows: groups.map(\.rows).reduce(0, +),
                       nearModels: near.count, nearFlows: near.map(\.flows).reduce(0, +), nearTime: near.map(\.time).reduce(0, +))
        }
    }

    public static func table(_ report: FixedPointReport, flows: Int, scenario: String) -> DataFile? {
        guard let rows = rows(report) else { return nil }
        var file = DataFile(scenario: scenario,
                            columns: ["consistent_to_order", "models", "rows", "near_models", "near_flows", "near_time"],
                            constants: [("flows", String(flows)), ("near_radius", DataFile.format(FlowPassage.nearRadius))])
        file.comment("finite fixed points of the catalog (asymptotic rows left out) by consistent_to_order (0: not even the fields match)")
        file.comment("models: distinct effective models (rows: catalog rows); near_models: those some flow passed near")
        file.comment("near: max_A |J_A(theta(t)) - J_A(theta*)| <= near_radius at the plateau whose Newton polish is theta*")
        file.comment("near_flows: flows that passed near, summed over the models (a flow counts once per model); "
                     + "near_time: their sampled time within near_radius, summed")
        for row in rows {
            file.append([Double(row.consistentToOrder), Double(row.models), Double(row.rows), Double(row.nearModels),
                         Double(row.nearFlows), row.nearTime])
        }
        return file
    }

    /// `visited: consistent to order K: M of N models passed near by F flows for time T` per order.
    public static func summaryLines(_ report: FixedPointReport, flows: Int) -> [String] {
        guard let rows = rows(report) else { return [] }
        return ["visited by \(flows) flows (within \(DataFile.format(FlowPassage.nearRadius)) of the couplings at a plateau):"]
            + rows.map { row in
                String(format: "  consistent to order %d: %d of %d models passed near, %d passages, time near %.4g",
                       row.consistentToOrder, row.nearModels, row.models, row.nearFlows, row.nearTime)
            }
    }
}
