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
    /// Computes the units of long analyses (an MPI job's ranks); nil: `threads` local threads.
    public var scheduler: WorkScheduler?
    /// When long analyses stop taking new units (the executable's signals).
    public var stop: StopCondition = .never

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

/// Runs a scenario's analyses and writes their files: one step per
/// analysis (`AnalysisRegistry`), in the registry's order.
public enum ScenarioRunner {
    /// Analyses this version runs; others are refused before any work.
    public static var availableAnalyses: Set<String> { Set(AnalysisRegistry.names) }

    public static func requestedAnalyses(_ analyses: AnalysesSpecification) -> [String] {
        AnalysisRegistry.requested(in: analyses).map { $0.name }
    }

    /// Checks everything that can be checked without integrating: the
    /// target can be built, names exist, memory suffices, analyses exist.
    public static func check(_ scenario: Scenario) throws -> ResolvedScenario {
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
        if options.resume { try Checkpoints.checkBeforeResuming(folder, scenario: scenario, quick: options.quick) }

        let run = try RunContext(scenario: scenario, resolved: resolved, options: options, folder: folder)
        let model = resolved.model
        run.report.lines.append("scenario \(scenario.name): \(model.description), \(scenario.spins) spins, \(model.parameterCount) parameters"
            + (resolved.objective.hasFrozenParameters ? " (\(resolved.objective.dimension) free)" : "")
            + (run.summary.expressivity.map { ", rank G = \($0.rankG) of \($0.fullRank)" } ?? ""))
        // Each analysis with work units keeps its checkpoint until the whole
        // run is done, so an interruption in a later one (also in a phase
        // without units: the trajectory, orders, the portrait) does not redo
        // it. A run that fails instead drops the checkpoints of the analyses
        // it finished (they cannot be resumed by a corrected scenario), and
        // keeps the failing one's, as before they were kept.
        let steps = AnalysisRegistry.requested(in: scenario.analyses)
        var finished: [AnalysisStep] = []
        for step in steps {
            do {
                try options.stop.check(step.name)
                try step.run(run)
                finished.append(step)
            } catch let stopped as AnalysisInterrupted {
                throw try Checkpoints.interruptRun(in: stopped.analysis, scenario: scenario, quick: options.quick, folder: folder,
                                                   unitsKept: step.owns(checkpoint: stopped.analysis))
            } catch let error where error is RunInterrupted || error is DistributedRunFailed || error is CheckpointRefused {
                throw error
            } catch {
                Checkpoints.remove(in: folder) { name in finished.contains { $0.owns(checkpoint: name) } }
                throw error
            }
        }
        try run.summary.write(to: (folder as NSString).appendingPathComponent("summary.json"))
        Checkpoints.remove(in: folder) { name in steps.contains { $0.owns(checkpoint: name) } }
        run.report.files.append("summary.json")
        run.report.lines.append("wrote \(run.report.files.joined(separator: ", ")) in \(folder)")
        return run.report
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
    /// samples, at most 4 random starts and 2 random flows, grids at most 8 x 8.
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
            fixedPoints.flows = min(fixedPoints.flows, 2)
            scenario.analyses.fixedPoints = fixedPoints
        }
        if var basins = scenario.analyses.basins {
            basins.resolution = basins.resolution.capped(at: 8)
            basins.maximumTime = min(basins.maximumTime, 100)
            basins.limitTime = min(basins.limitTime, basins.maximumTime)
            scenario.analyses.basins = basins
        }
        if var portrait = scenario.analyses.portrait {
            portrait.grid = portrait.grid.capped(at: 8)
            portrait.orbits.grid = portrait.orbits.grid.capped(at: 2)
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
                if manager.fileExists(atPath: finished) {
                    throw OutputError(path: folder, reason: "the run there is complete (\(marker)) and left nothing to resume; its results are in place (pass --force to compute them again)")
                }
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
