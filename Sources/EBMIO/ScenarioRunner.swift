import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMScenario
import Foundation

/// Options every run-like subcommand shares.
public struct RunOptions {
    public var output: String?
    public var quiet = false
    public var force = false
    /// A smoke-test budget: `t_end <= 100`, at most 50 samples.
    public var quick = false

    public init(output: String? = nil, quiet: Bool = false, force: Bool = false, quick: Bool = false) {
        self.output = output
        self.quiet = quiet
        self.force = force
        self.quick = quick
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
    public static let availableAnalyses: Set<String> = ["trajectory", "orders"]
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
        return try ResolvedScenario(scenario)
    }

    public static func run(_ original: Scenario, options: RunOptions) throws -> RunReport {
        var scenario = original
        if options.quick { scenario = quickened(scenario) }
        let resolved = try check(scenario)
        // `output:` is relative to the working directory, like --output.
        let folder = options.output ?? scenario.output ?? "out/\(scenario.name)"
        try prepare(folder: folder, force: options.force)

        let progress = Progress(quiet: options.quiet)
        var report = RunReport(folder: folder)
        let flow = try GradientFlow(problem: resolved.flowProblem, method: resolved.method)
        var summary = RunSummary(resolved: resolved, linearSolver: flow.linearSolverName)
        let model = resolved.model
        report.lines.append("scenario \(scenario.name): \(model.description), \(scenario.spins) spins, \(model.parameterCount) parameters"
            + (resolved.objective.hasFrozenParameters ? " (\(resolved.objective.dimension) free)" : "")
            + (summary.expressivity.map { ", rank G = \($0.rankG) of \($0.fullRank)" } ?? ""))

        // One sampled pass serves both analyses; `orders` takes θ_∞ from its stop.
        var trajectory: Trajectory?
        if scenario.analyses.trajectory != nil || scenario.analyses.orders != nil {
            let spec = samplingSpecification(scenario, quick: options.quick)
            let spacing: SampleSpacing = spec.spacing == .logarithmic ? .logarithmic(firstTime: spec.minimumTime) : .linear
            progress.say("trajectory: integrating to t = \(scenario.integrator.endTime) with \(flow.linearSolverName) linear solver")
            trajectory = try flow.sampledTrajectory(TrajectorySampling(count: spec.samples, spacing: spacing)) { t in
                progress.update("trajectory: t = \(String(format: "%.4g", t))")
            }
        }
        if let trajectory, scenario.analyses.trajectory != nil {
            summary.record(trajectory, model: model)
            try write(TrajectoryFiles.trajectory(trajectory, model: model, scenario: scenario.name), "trajectory.dat", into: folder, report: &report)
            try write(TrajectoryFiles.couplings(trajectory, target: resolved.target, scenario: scenario.name), "couplings.dat", into: folder, report: &report)
            let stats = trajectory.statistics
            report.lines.append(String(format: "trajectory: stopped at t = %.6g (%@), KL = %.6e, |grad L| = %.3e",
                                       trajectory.stopTime, trajectory.stopReason.rawValue, trajectory.final.loss, trajectory.final.gradientNorm))
            report.lines.append("solver: \(stats.steps) steps, \(stats.rhsEvaluations) right-hand sides, \(stats.jacobianEvaluations) Jacobians, \(flow.linearSolverName) linear solver")
        }
        if let trajectory, let spec = scenario.analyses.orders {
            summary.orders = try runOrders(spec, trajectory: trajectory, resolved: resolved, folder: folder,
                                           progress: progress, report: &report)
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

    /// The smoke-test budget of `--quick`: `t_end <= 100`, at most 50 samples.
    public static func quickened(_ original: Scenario) -> Scenario {
        var scenario = original
        scenario.integrator.endTime = min(scenario.integrator.endTime, 100)
        if var trajectory = scenario.analyses.trajectory {
            trajectory.samples = min(trajectory.samples, 50)
            if trajectory.spacing == .logarithmic { trajectory.minimumTime = min(trajectory.minimumTime, scenario.integrator.endTime / 10) }
            scenario.analyses.trajectory = trajectory
        }
        return scenario
    }

    static func write(_ file: DataFile, _ name: String, into folder: String, report: inout RunReport) throws {
        try file.write(to: (folder as NSString).appendingPathComponent(name))
        report.files.append(name)
    }

    /// A run never overwrites earlier results silently.
    static func prepare(folder: String, force: Bool, marker: String = "summary.json") throws {
        let summary = (folder as NSString).appendingPathComponent(marker)
        if !force && FileManager.default.fileExists(atPath: summary) {
            throw OutputError(path: folder, reason: "it already holds results (\(marker)); pass --force to overwrite or choose another --output")
        }
        try AtomicFile.prepareFolder(folder)
    }
}
