import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMScenario
import EBMSolvers
import Foundation

/// Options every run-like subcommand shares.
public struct RunOptions {
    public var output: String?
    public var quiet = false
    public var force = false
    /// A smoke-test budget (see `ScenarioRunner.quickened`).
    public var quick = false
    /// Worker threads for parallel analyses (basin maps); results do not depend on it.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Continue an interrupted run from its checkpoint in the output folder.
    public var resume = false
    /// Seconds between checkpoints of long analyses.
    public var checkpointInterval = 1.0
    /// Other processes (an MPI job) that compute the units of long analyses.
    public var farm: UnitFarm?

    public init(output: String? = nil, quiet: Bool = false, force: Bool = false, quick: Bool = false, threads: Int? = nil,
                resume: Bool = false) {
        self.output = output
        self.quiet = quiet
        self.force = force
        self.quick = quick
        self.resume = resume
        if let threads { self.threads = max(1, threads) }
    }
}

/// What a run wrote and the lines of its stdout summary.
public struct RunReport {
    public var folder: String
    public var files: [String] = []
    public var lines: [String] = []
}

/// Runs a scenario's analyses and writes their files.
public enum ScenarioRunner {
    /// Analyses this version runs; others are refused before any work.
    public static let availableAnalyses: Set<String> = ["trajectory", "orders", "fixed_points", "continuation", "basins", "portrait"]
    /// Above this many spins `orders` skips the connected information: its
    /// Newton solves cost `O(P_k² 2^n)` per iteration and sample.
    public static let informationSpinLimit = 8

    public static func requestedAnalyses(_ analyses: AnalysesSpecification) -> [String] {
        var names: [String] = []
        if analyses.trajectory != nil { names.append("trajectory") }
        if analyses.orders != nil { names.append("orders") }
        if analyses.fixedPoints != nil { names.append("fixed_points") }
        if analyses.continuation != nil { names.append("continuation") }
        if analyses.basins != nil { names.append("basins") }
        if analyses.portrait != nil { names.append("portrait") }
        return names
    }

    /// Checks everything that can be checked without integrating: the
    /// target can be built, names exist, memory suffices, analyses exist.
    public static func check(_ scenario: Scenario) throws -> ResolvedScenario {
        for name in requestedAnalyses(scenario.analyses) where !availableAnalyses.contains(name) {
            throw ResolutionError(keyPath: "analyses.\(name)",
                                  message: "this analysis is not available in ebmflow \(EBMFlowVersion.current); available: \(availableAnalyses.sorted().joined(separator: ", "))")
        }
        let resolved = try ResolvedScenario(scenario)
        // Plane axes name parameters: check them now, not after hours of work.
        let planes: [(PlaneSpecification, String)] = [
            scenario.analyses.basins.map { ($0.plane, "analyses.basins.plane") },
            scenario.analyses.portrait.map { ($0.plane, "analyses.portrait.plane") },
        ].compactMap { $0 }
        for (plane, keyPath) in planes {
            if case let .axes(x, y, _) = plane {
                let free = resolved.objective.freeParameters(resolved.initialParameters)
                _ = try PlaneResolution.plane(.axes(x: x, y: y, center: .initialization), keyPath: keyPath, resolved: resolved,
                                              catalog: FixedPointCatalog(), trajectoryEnd: { free })
            }
        }
        return resolved
    }

    public static func run(_ original: Scenario, options: RunOptions) throws -> RunReport {
        let scenario = options.quick ? quickened(original) : original
        let resolved = try check(scenario)
        // `output:` is relative to the working directory, like --output.
        let folder = options.output ?? scenario.output ?? "out/\(scenario.name)"
        try prepare(folder: folder, force: options.force, resume: options.resume)

        let progress = Progress(quiet: options.quiet)
        var report = RunReport(folder: folder)
        let flow = try GradientFlow(problem: resolved.flowProblem, method: resolved.method)
        var summary = RunSummary(resolved: resolved, linearSolver: flow.linearSolverName)
        let model = resolved.model
        let name = scenario.name
        report.lines.append("scenario \(name): \(model.description), \(scenario.spins) spins, \(model.parameterCount) parameters"
            + (resolved.objective.hasFrozenParameters ? " (\(resolved.objective.dimension) free)" : "")
            + (summary.expressivity.map { ", rank G = \($0.rankG) of \($0.fullRank)" } ?? ""))

        var trajectory: Trajectory?
        /// The sampled trajectory, computed once for every analysis that
        /// needs it (`orders` takes θ_∞ from its stop).
        func sampledTrajectory() throws -> Trajectory {
            if let trajectory { return trajectory }
            let spec = samplingSpecification(scenario, quick: options.quick)
            let spacing: SampleSpacing = spec.spacing == .logarithmic ? .logarithmic(firstTime: spec.minimumTime) : .linear
            progress.say("trajectory: integrating to t = \(scenario.integrator.endTime) with \(flow.linearSolverName) linear solver")
            let result = try flow.sampledTrajectory(TrajectorySampling(count: spec.samples, spacing: spacing)) { t in
                progress.update("trajectory: t = \(String(format: "%.4g", t))")
            }
            trajectory = result
            return result
        }

        if scenario.analyses.trajectory != nil {
            let result = try sampledTrajectory()
            summary.record(result, model: model)
            try write(TrajectoryFiles.trajectory(result, model: model, scenario: name, split: resolved.split), "trajectory.dat",
                      into: folder, report: &report)
            try write(TrajectoryFiles.couplings(result, target: resolved.target, scenario: name), "couplings.dat", into: folder, report: &report)
            let stats = result.statistics
            report.lines.append(String(format: "trajectory: stopped at t = %.6g (%@), KL = %.6e, |grad L| = %.3e",
                                       result.stopTime, result.stopReason.rawValue, result.final.loss, result.final.gradientNorm))
            report.lines.append("solver: \(stats.steps) steps, \(stats.rhsEvaluations) right-hand sides, \(stats.jacobianEvaluations) Jacobians, \(flow.linearSolverName) linear solver")
            if let split = resolved.split {
                summary.record(TrajectoryFiles.heldOutLikelihoods(result, model: model, split: split), along: result)
                if let h = summary.heldOut, let first = h.initialTestLogLikelihood, let last = h.finalTestLogLikelihood,
                   let best = h.bestTestLogLikelihood, let bestTime = h.bestTime {
                    report.lines.append(String(format: "held out: %d of %d samples; test log-likelihood %.6f at t = 0, %.6f at the end, best %.6f at t = %.6g (exact fit: %.6f)",
                                               h.testSamples, h.testSamples + h.trainingSamples, first, last, best, bestTime,
                                               h.targetTestLogLikelihood))
                }
            }
        }

        if let spec = scenario.analyses.orders {
            summary.orders = try runOrders(spec, trajectory: try sampledTrajectory(), resolved: resolved, folder: folder,
                                           progress: progress, report: &report)
        }

        var catalog = FixedPointCatalog()
        let tolerances = ClassificationTolerances(dataConsistency: scenario.analyses.fixedPoints?.consistencyTolerance ?? 1e-6,
                                                  eigenvalue: scenario.analyses.fixedPoints?.eigenvalueTolerance ?? 1e-8)
        let trajectoryEnd: () throws -> [Double] = { try sampledTrajectory().finalFreeParameters }

        if let spec = scenario.analyses.fixedPoints {
            let search = FixedPointSearch(methods: Set(spec.methods.compactMap { FixedPointMethod(rawValue: $0.rawValue) }),
                                          starts: spec.starts, seed: spec.seed, tolerances: tolerances,
                                          gradientTolerance: spec.gradientTolerance, threads: options.threads,
                                          flowMethod: resolved.method)
            var checkpoint = try UnitCheckpoint<NewtonRecord>.start("fixed_points", scenarioHash: ScenarioHash.of(scenario.sourceText),
                                                                    units: spec.starts, folder: folder, resume: options.resume,
                                                                    progress: progress)
            let clock = CheckpointClock(interval: options.checkpointInterval)
            let fixedPointReport: FixedPointReport
            do {
                var completed = checkpoint.records.mapValues(\.outcome)
                if let farm = options.farm, search.methods.contains(.newton) {
                    completed = try DistributedWork.newtonStarts(farm, scenario: scenario, quick: options.quick, search: search,
                                                                 completed: completed, progress: progress) { k, record in
                        checkpoint.records[k] = record
                        if clock.isDue() { try? checkpoint.write(to: folder) }
                    }
                }
                fixedPointReport = try findFixedPoints(resolved.fixedPointProblem, trajectory: try sampledTrajectory(), search: search,
                                                       catalog: catalog, completedStarts: completed,
                                                       onStart: { k, outcome in
                                                           checkpoint.records[k] = NewtonRecord(outcome)
                                                           if clock.isDue() { try? checkpoint.write(to: folder) }
                                                       }) { progress.say($0) }
            } catch is AnalysisInterrupted {
                try checkpoint.write(to: folder)
                throw checkpoint.interrupted(folder, noun: "Newton starts")
            } catch let failure as DistributedFailure {
                try checkpoint.write(to: folder)
                throw checkpoint.failed(folder, noun: "Newton starts", because: failure)
            }
            checkpoint.remove(from: folder)
            catalog = fixedPointReport.catalog
            try write(FixedPointFiles.table(fixedPointReport, model: model, scenario: name), "fixed_points.dat", into: folder, report: &report)
            try AtomicFile.write(try FixedPointFiles.json(fixedPointReport, model: model, scenario: name),
                                 to: (folder as NSString).appendingPathComponent("fixed_points.json"))
            report.files.append("fixed_points.json")
            report.lines += FixedPointFiles.summaryLines(fixedPointReport)
        }

        if let spec = scenario.analyses.continuation {
            try runContinuation(spec, resolved: resolved, catalog: catalog, trajectoryEnd: trajectoryEnd, tolerances: tolerances,
                                folder: folder, progress: progress, report: &report)
        }

        if let spec = scenario.analyses.basins {
            let plane = try PlaneResolution.plane(spec.plane, keyPath: "analyses.basins.plane", resolved: resolved,
                                                  catalog: catalog, trajectoryEnd: trajectoryEnd)
            let xs = gridValues(spec.range.x, count: spec.resolution.x), ys = gridValues(spec.range.y, count: spec.resolution.y)
            var checkpoint = try UnitCheckpoint<[BasinCell]>.start("basins", scenarioHash: ScenarioHash.of(scenario.sourceText),
                                                                   units: ys.count, folder: folder, resume: options.resume,
                                                                   progress: progress)
            progress.say("basins: \(xs.count) x \(ys.count) starts on \(options.threads) threads")
            let clock = CheckpointClock(interval: options.checkpointInterval)
            var completed = try checkpoint.records.mapValues(BasinCell.outcomes)
            let map: BasinMap
            do {
                if let farm = options.farm {
                    completed = try DistributedWork.basinRows(farm, scenario: scenario, quick: options.quick, plane: plane, xs: xs, ys: ys,
                                                              maximumTime: spec.maximumTime, tolerance: spec.tolerance,
                                                              completed: completed, progress: progress) { j, cells in
                        checkpoint.records[j] = cells
                        if clock.isDue() { try? checkpoint.write(to: folder) }
                    }
                }
                map = try basinMap(objective: resolved.objective, method: resolved.method, plane: plane, xs: xs, ys: ys,
                                   maximumTime: spec.maximumTime, tolerance: spec.tolerance, catalog: catalog,
                                   tolerances: tolerances, threads: options.threads,
                                   identity: spec.labelBy == .parameters ? .parameters : .effectiveModel,
                                   completedRows: completed,
                                   onRow: { j, row in
                                       checkpoint.records[j] = BasinCell.cells(row)
                                       if clock.isDue() { try? checkpoint.write(to: folder) }
                                   }) { done, total in
                    progress.update("basins: \(done)/\(total) rows (\(100 * done / total)%)")
                }
            } catch is AnalysisInterrupted {
                try checkpoint.write(to: folder)
                throw checkpoint.interrupted(folder, noun: "basin rows")
            } catch let failure as DistributedFailure {
                try checkpoint.write(to: folder)
                throw checkpoint.failed(folder, noun: "basin rows", because: failure)
            }
            checkpoint.remove(from: folder)
            catalog = map.catalog
            try write(BasinFiles.labels(map, scenario: name), "basins.dat", into: folder, report: &report)
            try write(BasinFiles.times(map, scenario: name), "basin_times.dat", into: folder, report: &report)
            try write(BasinFiles.legend(map, scenario: name), "basins_legend.dat", into: folder, report: &report)
            try AtomicFile.write(try BasinFiles.json(map), to: (folder as NSString).appendingPathComponent("basins.json"))
            report.files.append("basins.json")
            let fractions = map.fractions.sorted { $0.key < $1.key }
                .map { "\($0.key.code): \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
            report.lines.append("basins: \(map.cellCount) starts; fractions by label {\(fractions)}; boundary \(String(format: "%.4f", map.boundaryFraction)), entropy \(String(format: "%.4f", map.basinEntropy()))")
        }

        if let spec = scenario.analyses.portrait {
            let plane = try PlaneResolution.plane(spec.plane, keyPath: "analyses.portrait.plane", resolved: resolved,
                                                  catalog: catalog, trajectoryEnd: trajectoryEnd)
            let xs = gridValues(spec.range.x, count: spec.grid.x), ys = gridValues(spec.range.y, count: spec.grid.y)
            let starts = spec.orbits.grid.x < 2 || spec.orbits.grid.y < 2 ? [(x: 0.0, y: 0.0)]
                : gridValues(spec.range.y, count: spec.orbits.grid.y).flatMap { y in
                    gridValues(spec.range.x, count: spec.orbits.grid.x).map { x in (x: x, y: y) } }
            progress.say("portrait: field on \(xs.count) x \(ys.count), \(starts.count) orbits")
            let portrait = try PhasePortrait.compute(objective: resolved.objective, method: resolved.method, plane: plane,
                                                     xs: xs, ys: ys, orbitStarts: starts, orbitTime: spec.orbits.maximumTime)
            try write(PortraitFiles.field(portrait, scenario: name), "field.dat", into: folder, report: &report)
            try write(PortraitFiles.nullclines(portrait, scenario: name), "nullclines.dat", into: folder, report: &report)
            try write(PortraitFiles.orbits(portrait, scenario: name), "orbits.dat", into: folder, report: &report)
            try write(PortraitFiles.points(catalog, plane: plane, objective: resolved.objective, scenario: name), "portrait_points.dat", into: folder, report: &report)
            report.lines.append("portrait: \(portrait.orbits.count) orbits, \(portrait.nullclines.x.count + portrait.nullclines.y.count) nullcline segments"
                + (portrait.orbitFailures.isEmpty ? "" : ", \(portrait.orbitFailures.count) orbits failed"))
        }

        try summary.write(to: (folder as NSString).appendingPathComponent("summary.json"))
        report.files.append("summary.json")
        report.lines.append("wrote \(report.files.joined(separator: ", ")) in \(folder)")
        return report
    }

    /// The `orders` analysis on a sampled trajectory (its first pass):
    /// root-finding pass, connected information at every sample, files.
    static func runOrders(_ spec: OrdersSpecification, trajectory: Trajectory, resolved: ResolvedScenario, folder: String,
                          progress: Progress, report: inout RunReport) throws -> OrdersSummary {
        let name = resolved.scenario.name
        progress.say("orders: root finding on r_k - epsilon and d_k - epsilon up to t = \(String(format: "%.6g", trajectory.stopTime))")
        let convergence = try OrderConvergence.solve(
            OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: spec.thresholds), method: resolved.method,
            stoppedAt: trajectory.stopTime, reason: trajectory.stopReason, finalParameters: trajectory.finalFreeParameters) { t in
                progress.update("orders: t = \(String(format: "%.4g", t))")
            }
        try write(OrdersFiles.orders(trajectory, convergence: convergence, scenario: name), "orders.dat", into: folder, report: &report)
        try write(OrdersFiles.times(convergence, scenario: name), "order_times.dat", into: folder, report: &report)
        var information: OrdersSummary.Information?
        if resolved.scenario.spins <= informationSpinLimit {
            progress.say("orders: connected information at \(trajectory.samples.count) samples")
            var solver = ConnectedInformationSolver(spins: resolved.scenario.spins)
            let target = try solver.information(of: resolved.target)
            let along = try ConnectedInformationSolver.along(trajectory, model: resolved.model)
            let worst = along.map(\.momentMismatch).reduce(target.momentMismatch, max)
            try write(OrdersFiles.information(trajectory, information: along, target: target, worstMomentMismatch: worst, scenario: name),
                      "information.dat", into: folder, report: &report)
            information = OrdersSummary.Information(
                target: target.perOrder, final: along.last?.perOrder ?? [], momentTolerance: MaximumEntropyProjection.momentTolerance,
                worstMomentMismatch: worst)
        } else {
            report.lines.append("orders: connected information skipped (spins > \(informationSpinLimit))")
        }
        let epsilon = convergence.thresholds
        for (j, e) in epsilon.enumerated() {
            func list(_ times: [[OrderTime]]) -> String {
                times.map { $0[j].time.map { String(format: "%.4g", $0) } ?? $0[j].status }.joined(separator: " ")
            }
            report.lines.append("orders (epsilon = \(e)): t_J = \(list(convergence.couplingTimes)) "
                + "(\(convergence.couplingHierarchyHolds(threshold: j) ? "ordered" : "not ordered")); "
                + "t_m = \(list(convergence.momentTimes)) (\(convergence.momentHierarchyHolds(threshold: j) ? "ordered" : "not ordered"))")
        }
        if !(convergence.endpointDeviation == 0) {
            progress.say("warning: the root-finding pass ended \(convergence.endpointDeviation) away from theta_inf")
        }
        return OrdersSummary(convergence, information: information)
    }

    /// The `continuation` analysis: branches of fixed points as a target
    /// parameter moves, their special points, branch switching.
    static func runContinuation(_ spec: ContinuationSpecification, resolved: ResolvedScenario, catalog: FixedPointCatalog,
                                trajectoryEnd: () throws -> [Double], tolerances: ClassificationTolerances, folder: String,
                                progress: Progress, report: inout RunReport) throws {
        let name = resolved.scenario.name
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
        case .end: starts = [try trajectoryEnd()]
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
        try write(BifurcationFiles.branches(branches, model: resolved.model, parameter: spec.parameter.name, scenario: name),
                  "bifurcation.dat", into: folder, report: &report)
        try write(BifurcationFiles.specialPoints(branches, objective: objective, parameter: spec.parameter.name, scenario: name),
                  "bifurcation_points.dat", into: folder, report: &report)
        let specials = branches.flatMap { branch in branch.specialPoints.filter { $0.kind != .boundary }.map { (branch.id, $0) } }
        report.lines.append("continuation in \(spec.parameter.name): \(branches.count) branches, \(branches.map(\.points.count).reduce(0, +)) points")
        for (id, special) in specials {
            report.lines.append("  branch \(id): \(BifurcationFiles.name(special.kind)) at \(spec.parameter.name) = " + String(format: "%.10g", special.parameter))
        }
    }

    /// The sampling of the trajectory pass: the `trajectory` analysis's, or
    /// its defaults when only `orders` asks for samples (`t_min` kept below
    /// `t_end`; at most 50 samples with `--quick`).
    static func samplingSpecification(_ scenario: Scenario, quick: Bool) -> TrajectorySpecification {
        if let spec = scenario.analyses.trajectory { return spec }
        var spec = TrajectorySpecification()
        if quick { spec.samples = 50 }
        spec.minimumTime = min(spec.minimumTime, scenario.integrator.endTime / 10)
        return spec
    }

    /// The smoke-test budget of `--quick`: `t_end <= 100`, at most 50
    /// samples, at most 4 random starts, grids at most 8 x 8.
    public static func quickened(_ original: Scenario) -> Scenario {
        var scenario = original
        scenario.integrator.endTime = min(scenario.integrator.endTime, 100)
        if var trajectory = scenario.analyses.trajectory {
            trajectory.samples = min(trajectory.samples, 50)
            if trajectory.spacing == .logarithmic { trajectory.minimumTime = min(trajectory.minimumTime, scenario.integrator.endTime / 10) }
            scenario.analyses.trajectory = trajectory
        }
        if var fixedPoints = scenario.analyses.fixedPoints {
            fixedPoints.starts = min(fixedPoints.starts, 4)
            scenario.analyses.fixedPoints = fixedPoints
        }
        if var basins = scenario.analyses.basins {
            basins.resolution = GridSize(x: min(basins.resolution.x, 8), y: min(basins.resolution.y, 8))
            basins.maximumTime = min(basins.maximumTime, 100)
            scenario.analyses.basins = basins
        }
        if var portrait = scenario.analyses.portrait {
            portrait.grid = GridSize(x: min(portrait.grid.x, 8), y: min(portrait.grid.y, 8))
            portrait.orbits.grid = GridSize(x: min(portrait.orbits.grid.x, 2), y: min(portrait.orbits.grid.y, 2))
            portrait.orbits.maximumTime = min(portrait.orbits.maximumTime, 100)
            scenario.analyses.portrait = portrait
        }
        return scenario
    }

    static func write(_ file: DataFile, _ name: String, into folder: String, report: inout RunReport) throws {
        try file.write(to: (folder as NSString).appendingPathComponent(name))
        report.files.append(name)
    }

    /// A run never overwrites earlier results silently (`marker` is the file
    /// a finished run leaves), and resumes only what an interrupted run left.
    static func prepare(folder: String, force: Bool, resume: Bool = false, marker: String = "summary.json") throws {
        let manager = FileManager.default
        let finished = (folder as NSString).appendingPathComponent(marker)
        let checkpoints = Checkpoints.existing(in: folder)
        if resume {
            guard !checkpoints.isEmpty else {
                throw OutputError(path: folder, reason: "--resume needs the checkpoint of an interrupted run (.checkpoint-*.json), and there is none")
            }
        } else if !force {
            if manager.fileExists(atPath: finished) {
                throw OutputError(path: folder, reason: "it already holds results (\(marker)); pass --force to overwrite or choose another --output")
            }
            if !checkpoints.isEmpty {
                throw OutputError(path: folder, reason: "it holds an interrupted run; continue it with --resume, or start again with --force")
            }
        } else {
            for path in checkpoints { try? manager.removeItem(atPath: path) }
        }
        try AtomicFile.prepareFolder(folder)
    }
}
