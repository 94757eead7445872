import EBMAnalysis
import EBMCore
import EBMScenario
import EBMSolvers
import Foundation

/// `continuation`: branches of fixed points as a target parameter moves,
/// their special points, branch switching.
enum ContinuationStep {

    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.continuation else { return }
        let (resolved, catalog, tolerances, progress, name) = (run.resolved, run.catalog, run.tolerances, run.progress, run.name)
        let parameter: TargetFamily.Parameter
        switch spec.parameter {
        case .beta: parameter = .beta
        case .mix: parameter = .mix
        case .pseudocount: parameter = .pseudocount
        case let .coupling(sites): parameter = .coupling(mask: Walsh.mask(of: sites))
        }
        let family: TargetFamily
        do {
            family = try TargetFamily(parameter: parameter, base: resolved.baseTarget, counts: resolved.counts)
        } catch let error as TargetError {
            throw ResolutionError(keyPath: "analyses.continuation.parameter", message: error.message)
        }
        let system = LearningContinuationSystem(family: family, objective: resolved.objective)
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
        progress.say("continuation: \(starts.count) start(s) in \(spec.parameter.name) from \(spec.from) to \(spec.to)")
        let branches = try bifurcationDiagram(system: system, starts: starts, from: spec.from, to: spec.to, method: method,
                                              tolerances: tolerances) { progress.say($0) }
        try run.write(BifurcationFiles.branches(branches, model: resolved.model, parameter: spec.parameter.name, scenario: name),
                      "bifurcation.dat")
        try run.write(BifurcationFiles.specialPoints(branches, objective: objective, parameter: spec.parameter.name, scenario: name),
                      "bifurcation_points.dat")
        let specials = branches.flatMap { branch in branch.specialPoints.filter { $0.kind != .boundary }.map { (branch.id, $0) } }
        run.report.lines.append("continuation in \(spec.parameter.name): \(branches.count) branches, \(branches.map(\.points.count).reduce(0, +)) points")
        for (id, special) in specials {
            run.report.lines.append("  branch \(id): \(BifurcationFiles.name(special.kind)) at \(spec.parameter.name) = " + String(format: "%.10g", special.parameter))
        }
    }
}
