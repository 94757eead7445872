import EBMAnalysis
import EBMScenario
import Foundation

/// `fixed_points`: find, classify and catalogue the flow's fixed points;
/// the Newton starts are checkpointed work units.
enum FixedPointsStep {

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.fixedPoints else { return }
        let resolved = run.resolved
        let search = FixedPointSearch(methods: Set(spec.methods.compactMap { FixedPointMethod(rawValue: $0.rawValue) }),
                                      starts: spec.starts, seed: spec.seed, tolerances: run.tolerances,
                                      gradientTolerance: spec.gradientTolerance, threads: run.options.threads,
                                      flowMethod: resolved.method)
        let checkpointed = try CheckpointedRun(NewtonStartUnits.self, scenario: run.scenario, units: spec.starts, folder: run.folder,
                                               options: run.options, progress: run.progress)
        let report = try checkpointed.run {
            try findFixedPoints(resolved.fixedPointProblem, trajectory: try run.trajectory(), search: search, catalog: run.catalog,
                                scheduler: run.scheduler,
                                recipe: NewtonStartsTask.recipe(resolved: resolved, quick: run.options.quick, search: search),
                                stop: run.options.stop, completedStarts: checkpointed.completed,
                                onStart: checkpointed.save) { run.progress.say($0) }
        }
        run.catalog = report.catalog
        try run.write(FixedPointFiles.table(report, model: run.model, scenario: run.name), "fixed_points.dat")
        try run.writeJSON(try FixedPointFiles.json(report, model: run.model, scenario: run.name), "fixed_points.json")
        run.report.lines += FixedPointFiles.summaryLines(report)
    }
}
