import EBMAnalysis
import EBMCore
import EBMScenario
import EBMSolvers
import Foundation

/// `continuation`: branches of fixed points as a target parameter moves,
/// their special points, branch switching, and with `curve` the special
/// points' curves in two parameters. One checkpointed work unit per start.
enum ContinuationStep {

    static func family(_ parameter: ContinuationSpecification.Parameter) -> TargetFamily.Parameter {
        switch parameter {
        case .beta: return .beta
        case .mix: return .mix
        case .pseudocount: return .pseudocount
        case let .coupling(sites): return .coupling(mask: Walsh.mask(of: sites))
        }
    }

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.continuation else { return }
        let (resolved, catalog, tolerances, progress, name) = (run.resolved, run.catalog, run.tolerances, run.progress, run.name)
        let family: TargetFamily
        do {
            family = try TargetFamily(parameter: Self.family(spec.parameter), base: resolved.baseTarget,
                                      beta: run.scenario.target.beta, counts: resolved.counts)
        } catch let error as TargetError {
            throw ResolutionError(keyPath: "analyses.continuation.parameter", message: error.message)
        }
        var curves: CurveSettings? = nil
        if let curve = spec.curve {
            do {
                let two = try TwoParameterTargetFamily(first: Self.family(spec.parameter), second: Self.family(curve.parameter),
                                                       base: resolved.baseTarget, beta: run.scenario.target.beta,
                                                       counts: resolved.counts)
                curves = CurveSettings(family: two, from: curve.from, to: curve.to)
            } catch let error as TargetError {
                throw ResolutionError(keyPath: "analyses.continuation.curve.parameter", message: error.message)
            }
        }
        let objective = resolved.objective
        let starts: [[Double]]
        switch spec.start {
        case .initialization: starts = [objective.freeParameters(resolved.initialParameters)]
        case .end: starts = [try run.trajectoryEnd()]
        case .catalog:
            starts = catalog.points.filter { $0.kind != .asymptotic }.map { objective.freeParameters($0.parameters) }
            if starts.isEmpty {
                throw ResolutionError(keyPath: "analyses.continuation.start", message: "`catalog` starts from the fixed points found, but the catalog is empty; add a fixed_points analysis or use init/end")
            }
        }
        let method = try PseudoArclength(step: try StepControl(initial: spec.step.initial, minimum: spec.step.minimum, maximum: spec.step.maximum),
                                         maxPoints: spec.maxPoints)
        // Said from the start's worker thread (one line per many steps).
        let say: @Sendable (String) -> Void = { message in FileHandle.standardError.write(Data((message + "\n").utf8)) }
        let units = ContinuationStartUnits(family: family, objective: objective, starts: starts, from: spec.from, to: spec.to,
                                           method: method, tolerances: tolerances, curves: curves, stop: run.options.stop,
                                           progress: run.options.quiet ? nil : say)
        let curveName = spec.curve.map { " and curves in \($0.parameter.name) from \($0.from) to \($0.to)" } ?? ""
        progress.say("continuation: \(starts.count) start(s) in \(spec.parameter.name) from \(spec.from) to \(spec.to)\(curveName)")
        let checkpointed = try CheckpointedRun(ContinuationStartUnits.self, keep: true, scenario: run.scenario, units: units.count,
                                               folder: run.folder, options: run.options, progress: progress)
        let diagram = try checkpointed.run {
            // Continuation units are few and each is sequential: one thread per start.
            try bifurcationDiagram(units, scheduler: LocalScheduler(threads: min(run.options.threads, units.count)),
                                   completed: checkpointed.completed, onStart: checkpointed.save) { progress.say($0) }
        }
        let branches = diagram.branches
        // The files of a long continuation take seconds to format: a stop
        // there keeps the finished starts in the checkpoint (see
        // Checkpoints.interruptRun) and the files are written on resuming.
        let stop = run.options.stop
        progress.say("continuation: writing bifurcation.dat (\(branches.map(\.points.count).reduce(0, +)) points)")
        try run.write(BifurcationFiles.branches(branches, model: resolved.model, parameter: spec.parameter.name, scenario: name,
                                                stop: stop),
                      "bifurcation.dat")
        try run.write(BifurcationFiles.specialPoints(branches, objective: objective, parameter: spec.parameter.name, scenario: name),
                      "bifurcation_points.dat")
        if let curve = spec.curve {
            try run.write(SpecialCurveFiles.curves(diagram, model: resolved.model, first: spec.parameter.name,
                                                   second: curve.parameter.name, scenario: name, stop: stop), "special_curves.dat")
        }
        run.summary.continuation = ContinuationSummary(diagram, parameter: spec.parameter.name, curveParameter: spec.curve?.parameter.name)
        let specials = branches.flatMap { branch in branch.specialPoints.filter { $0.kind != .boundary }.map { (branch.id, $0) } }
        run.report.lines.append("continuation in \(spec.parameter.name): \(branches.count) branches, \(branches.map(\.points.count).reduce(0, +)) points")
        for (id, special) in specials {
            run.report.lines.append("  branch \(id): \(BifurcationFiles.name(special.kind)) at \(spec.parameter.name) = " + String(format: "%.10g", special.parameter))
        }
        for branch in branches where branch.status != "reachedBound" {
            run.report.lines.append("  branch \(branch.id) ended early: \(branch.status)" + (branch.failure.map { ": \($0)" } ?? ""))
        }
        for failure in diagram.startFailures {
            run.report.lines.append("  start \(failure.start) failed: \(failure.reason)")
        }
        if let curve = spec.curve {
            run.report.lines.append("curves in (\(spec.parameter.name), \(curve.parameter.name)): \(diagram.curves.count) curves, "
                                    + "\(diagram.curves.map(\.points.count).reduce(0, +)) points")
            for event in diagram.curves.flatMap(\.events) + diagram.crossings where event.kind == "cusp" || event.kind == "crossing" {
                run.report.lines.append("  curve \(event.curve): \(event.kind) at (\(spec.parameter.name), \(curve.parameter.name)) = ("
                                        + String(format: "%.10g", event.first) + ", " + String(format: "%.10g", event.second) + ")")
            }
        }
    }
}
