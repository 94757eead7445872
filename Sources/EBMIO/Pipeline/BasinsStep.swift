import EBMAnalysis
import EBMScenario
import Foundation

/// `basins`: a labelled grid of starts on a plane; the rows are
/// checkpointed work units.
enum BasinsStep {
    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.basins else { return }
        let resolved = run.resolved
        let (plane, xs, ys) = try run.grid(spec.plane, keyPath: "analyses.basins.plane", range: spec.range, size: spec.resolution)
        let scheduler = run.scheduler
        let units = BasinRowsTask.units(resolved: resolved, quick: run.options.quick, plane: plane, xs: xs, ys: ys,
                                        maximumTime: spec.maximumTime, limitTime: spec.limitTime, tolerance: spec.tolerance,
                                        certify: spec.certify, refine: spec.refine, threads: scheduler.threads)
        let checkpointed = try CheckpointedRun(BasinRowUnits.self, keep: true, scenario: run.scenario, units: units.count, folder: run.folder,
                                               options: run.options, progress: run.progress)
        let survey = units.surveyRows.count * units.surveyColumns.count
        run.progress.say("basins: \(xs.count) x \(ys.count) starts on \(scheduler.layout)"
            + (survey > 0 ? ", after a survey of \(survey) starts for certified regions" : "")
            + (units.passes > 1 ? ", refined in \(units.passes) passes" : ""))
        let map = try checkpointed.run {
            try basinMap(units, catalog: run.catalog, tolerances: run.tolerances,
                         identity: spec.labelBy == .parameters ? .parameters : .effectiveModel,
                         scheduler: scheduler, stop: run.options.stop, completedRows: checkpointed.completed,
                         onRow: checkpointed.save) { done, total in
                // Refinement passes skip rows with nothing to integrate: the total is an upper bound then.
                run.progress.update(units.passes > 1 ? "basins: \(done) of at most \(total) rows (survey and passes included)"
                                                     : "basins: \(done)/\(total) rows (\(100 * done / total)%)")
            }
        }
        run.catalog = map.catalog
        try run.write(BasinFiles.labels(map, scenario: run.name), "basins.dat")
        try run.write(BasinFiles.times(map, scenario: run.name), "basin_times.dat")
        try run.write(BasinFiles.legend(map, scenario: run.name), "basins_legend.dat")
        let settings = BasinSettings(
            tMax: units.maximumTime, tLimit: units.limitTime, tol: units.tolerance, labelBy: spec.labelBy.rawValue,
            certify: units.certify, refine: units.refine)
        try run.writeJSON(try BasinFiles.json(map, settings: settings), "basins.json")
        let fractions = map.fractions.sorted { $0.key < $1.key }
            .map { "\($0.key.code): \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
        run.report.lines.append("basins: \(map.cellCount) starts; fractions by label {\(fractions)}; boundary \(String(format: "%.4f", map.boundaryFraction)), entropy \(String(format: "%.4f", map.basinEntropy()))")
        if spec.certify || spec.refine {
            run.report.lines.append("basins: \(map.convergedCount) starts converged, \(map.certifiedCount) stopped in \(map.certificates.count) certified regions, \(map.inferredCount) inferred by refinement; \(map.unresolved.unconverged) still moving at t_limit, \(map.unresolved.failed) failed")
        }
    }
}
