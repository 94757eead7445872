import EBMAnalysis
import EBMScenario
import Foundation

/// `fixed_points`: find, classify and catalogue the flow's fixed points.
/// Each phase of the search (Newton starts, flows, lifts, deflation,
/// homotopy) is a kind of work units, checkpointed under its own name
/// until the whole run is done.
enum FixedPointsStep {
    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.fixedPoints else { return }
        let resolved = run.resolved
        let search = FixedPointSearch(methods: Set(spec.methods.compactMap { FixedPointMethod(rawValue: $0.rawValue) }),
                                      starts: spec.starts, seed: spec.seed, tolerances: run.tolerances,
                                      gradientTolerance: spec.gradientTolerance, flows: spec.flows, threads: run.options.threads,
                                      flowMethod: resolved.method)
        let center = try startCenter(spec.startDistribution, run: run)
        let problem = resolved.fixedPointProblem(starts: spec.startDistribution, center: center)
        let phases = CheckpointedPhases(run)
        let report = try findFixedPoints(problem, trajectory: try run.trajectory(), search: search, catalog: run.catalog,
                                         phases: phases,
                                         newtonRecipe: NewtonStartsTask.recipe(resolved: resolved, quick: run.options.quick,
                                                                               search: search, distribution: spec.startDistribution,
                                                                               center: center),
                                         stop: run.options.stop) { run.progress.say($0) }
        run.catalog = report.catalog
        try run.write(FixedPointFiles.table(report, model: run.model, scenario: run.name), "fixed_points.dat")
        try run.write(FixedPointFiles.enumeration(report, scenario: run.name), "enumeration.dat")
        try run.writeJSON(try FixedPointFiles.json(report, model: run.model, scenario: run.name), "fixed_points.json")
        let visited = VisitFiles.models(report, objective: resolved.objective)
        if let visited {
            try run.write(VisitFiles.table(visited, spins: resolved.scenario.spins, flows: spec.flows + 1, scenario: run.name), "visits.dat")
        }
        run.report.lines += FixedPointFiles.summaryLines(report) + (visited.map { VisitFiles.summaryLines($0, flows: spec.flows + 1) } ?? [])
    }

    /// Where random starts are centred (free parameters), nil for a draw like `init`.
    static func startCenter(_ distribution: FixedPointsSpecification.StartDistribution?, run: RunContext) throws -> [Double]? {
        guard let distribution else { return nil }
        let objective = run.resolved.objective
        switch distribution.center {
        case .zero: return [Double](repeating: 0, count: objective.dimension)
        case .initialization: return objective.freeParameters(run.resolved.initialParameters)
        case .end: return try run.trajectoryEnd()
        }
    }
}

/// The phases of a fixed-point search on the run's scheduler, each
/// checkpointed as `.checkpoint-fixed_points-PHASE.json`, with progress.
final class CheckpointedPhases: FixedPointPhases {
    private let run: RunContext

    init(_ run: RunContext) { self.run = run }

    func records<Kind: WorkUnitKind>(_ kind: Kind, phase: String) throws -> [Int: Kind.Record] {
        let checkpointed = try CheckpointedRun<Kind>(Kind.self, name: "fixed_points-\(phase)", keep: true, scenario: run.scenario,
                                                     units: kind.count, folder: run.folder, options: run.options,
                                                     progress: run.progress)
        var done = checkpointed.completed.count
        let (progress, total) = (run.progress, kind.count)
        return try checkpointed.run {
            try run.scheduler.records(kind, completed: checkpointed.completed, stop: run.options.stop) { unit, record in
                checkpointed.save(unit, record)
                done += 1
                progress.update("fixed points: \(phase) \(done)/\(total) \(Kind.unitNoun)")
            }
        }
    }

    var layout: String { run.scheduler.layout }
}
