import EBMAnalysis
import EBMScenario
import Foundation

/// `basins`: a labelled grid of starts on a plane; the rows are
/// checkpointed work units.
enum BasinsStep {

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.basins else { return }
        let resolved = run.resolved
        let plane = try run.plane(spec.plane, keyPath: "analyses.basins.plane")
        let xs = gridValues(spec.range.x, count: spec.resolution.x), ys = gridValues(spec.range.y, count: spec.resolution.y)
        let checkpointed = try CheckpointedRun(BasinRowUnits.self, scenario: run.scenario, units: ys.count, folder: run.folder,
                                               options: run.options, progress: run.progress)
        let scheduler = run.scheduler
        run.progress.say("basins: \(xs.count) x \(ys.count) starts on \(scheduler.layout)")
        let units = BasinRowsTask.units(resolved: resolved, quick: run.options.quick, plane: plane, xs: xs, ys: ys,
                                        maximumTime: spec.maximumTime, tolerance: spec.tolerance, threads: scheduler.threads)
        let map = try checkpointed.run {
            try basinMap(units, catalog: run.catalog, tolerances: run.tolerances,
                         identity: spec.labelBy == .parameters ? .parameters : .effectiveModel,
                         scheduler: scheduler, stop: run.options.stop, completedRows: checkpointed.completed,
                         onRow: checkpointed.save) { done, total in
                run.progress.update("basins: \(done)/\(total) rows (\(100 * done / total)%)")
            }
        }
        run.catalog = map.catalog
        try run.write(BasinFiles.labels(map, scenario: run.name), "basins.dat")
        try run.write(BasinFiles.times(map, scenario: run.name), "basin_times.dat")
        try run.write(BasinFiles.legend(map, scenario: run.name), "basins_legend.dat")
        try run.writeJSON(try BasinFiles.json(map), "basins.json")
        let fractions = map.fractions.sorted { $0.key < $1.key }
            .map { "\($0.key.code): \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
        run.report.lines.append("basins: \(map.cellCount) starts; fractions by label {\(fractions)}; boundary \(String(format: "%.4f", map.boundaryFraction)), entropy \(String(format: "%.4f", map.basinEntropy()))")
    }
}
