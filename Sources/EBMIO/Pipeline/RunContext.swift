import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// What the steps of one run share: the resolved scenario, the options,
/// the output folder, the products of earlier steps (the trajectory, the
/// catalog), the summary and the report being written.
final class RunContext {
    let scenario: Scenario
    let resolved: ResolvedScenario
    let options: RunOptions
    let folder: String
    let progress: Progress
    let flow: GradientFlow
    var summary: RunSummary
    var report: RunReport
    /// Fixed points and basin attractors found so far.
    var catalog = FixedPointCatalog()
    let tolerances: ClassificationTolerances
    private var trajectoryResult: Trajectory?

    init(scenario: Scenario, resolved: ResolvedScenario, options: RunOptions, folder: String) throws {
        self.scenario = scenario
        self.resolved = resolved
        self.options = options
        self.folder = folder
        progress = Progress(quiet: options.quiet)
        flow = try GradientFlow(problem: resolved.flowProblem, method: resolved.method)
        summary = RunSummary(resolved: resolved, linearSolver: flow.linearSolverName)
        report = RunReport(folder: folder)
        tolerances = ClassificationTolerances(dataConsistency: scenario.analyses.fixedPoints?.consistencyTolerance ?? 1e-6,
                                              eigenvalue: scenario.analyses.fixedPoints?.eigenvalueTolerance ?? 1e-8)
    }

    var name: String { scenario.name }
    var model: any EnergyModel { resolved.model }

    /// The sampled trajectory, computed once for every step that needs it
    /// (`orders` takes θ_∞ from its stop).
    func trajectory() throws -> Trajectory {
        if let trajectoryResult { return trajectoryResult }
        let spec = ScenarioRunner.samplingSpecification(scenario, quick: options.quick)
        let spacing: SampleSpacing = spec.spacing == .logarithmic ? .logarithmic(firstTime: spec.minimumTime) : .linear
        progress.say("trajectory: integrating to t = \(scenario.integrator.endTime) with \(flow.linearSolverName) linear solver")
        let result = try flow.sampledTrajectory(TrajectorySampling(count: spec.samples, spacing: spacing)) { [progress, options] t in
            progress.update("trajectory: t = \(String(format: "%.4g", t))")
            try options.stop.check("trajectory")
        }
        trajectoryResult = result
        return result
    }

    /// The free parameters where the trajectory stops (plane centres, continuation starts).
    func trajectoryEnd() throws -> [Double] { try trajectory().finalFreeParameters }

    /// A plane of the parameter space and a grid on it (`keyPath` names the
    /// plane's block in errors).
    func grid(_ spec: PlaneSpecification, keyPath: String, range: PlaneRange, size: GridSize) throws
        -> (plane: Plane, xs: [Double], ys: [Double]) {
        let plane = try PlaneResolution.plane(spec, keyPath: keyPath, resolved: resolved, catalog: catalog, trajectoryEnd: trajectoryEnd)
        return (plane, gridValues(range.x, count: size.x), gridValues(range.y, count: size.y))
    }

    /// Writes a data file into the folder and lists it in the report.
    func write(_ file: DataFile, _ fileName: String) throws {
        try ScenarioRunner.write(file, fileName, into: folder, report: &report)
    }

    /// Writes a JSON document into the folder and lists it in the report.
    func writeJSON(_ data: Data, _ fileName: String) throws {
        try AtomicFile.write(data, to: (folder as NSString).appendingPathComponent(fileName))
        report.files.append(fileName)
    }

    /// The long analyses' work-unit scheduler: the MPI job's, or local threads.
    var scheduler: WorkScheduler { options.scheduler ?? LocalScheduler(threads: options.threads) }
}
