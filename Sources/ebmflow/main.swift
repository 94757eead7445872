import ArgumentParser
import EBMAnalysis
import EBMCore
import EBMIO
import EBMScenario
import Foundation

struct EBMFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebmflow",
        abstract: "Gradient-flow analysis of energy-based model learning over binary variables.",
        version: EBMFlowVersion.current,
        subcommands: [Run.self, FixedPoints.self, Continue.self, Sweep.self, Validate.self, Info.self, Plot.self,
                      Export.self, Integrate.self]
    )
}

/// Options shared by every subcommand that runs analyses.
struct RunFlags: ParsableArguments {
    @Option(name: .long, help: "Result folder (overrides the scenario's `output:`).")
    var output: String?
    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false
    @Flag(name: .long, help: "Overwrite a result folder that already holds results.")
    var force = false
    @Flag(name: .long, help: "Smoke-test budget: t_end at most 100, at most 50 samples, at most 4 random starts and 2 flows, grids at most 8 x 8 (docs/scenarios.md).")
    var quick = false
    @Option(name: .long, help: "Worker threads for parallel analyses (default: all cores).")
    var threads: Int?
    @Flag(name: .long, help: "Continue an interrupted run (SIGINT/SIGTERM) from the checkpoint in its output folder.")
    var resume = false

    var options: RunOptions {
        var options = RunOptions(output: output, quiet: quiet, force: force, quick: quick, threads: threads, resume: resume)
        options.stop = Signals.stop
        Cluster.attach(to: &options, threads: threads)
        return options
    }
}

func loadScenario(_ path: String?) throws -> Scenario {
    guard let path else {
        return try Scenario.parse(yaml: DefaultScenario.text, fileName: DefaultScenario.fileName, baseDirectory: nil)
    }
    return try Scenario.load(contentsOf: path)
}

/// Prints an error the way every subcommand does and exits 1 (130 after
/// an interruption, as shells expect for SIGINT). A resolution error is
/// placed in `scenarioFile` (`located`).
func fail(_ error: Error, scenarioFile: String? = nil) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(located(error, in: scenarioFile) ?? "\(error)")\n".utf8))
    Cluster.explain(error)
    return ExitCode(error is RunInterrupted ? 130 : 1)
}

/// Resolution errors (found after parsing: a parameter name, a plane
/// axis, a data file, memory) carry a key path but no place: one line per
/// error, `file:line:column: key.path: message`, as parse errors read
/// (without the position when the path is not in the file). Nil for other
/// errors or without a file.
func located(_ error: Error, in path: String?) -> String? {
    guard let path, let errors = (error as? ResolutionErrors)?.errors ?? (error as? ResolutionError).map({ [$0] }) else {
        return nil
    }
    let location = (try? String(contentsOfFile: path, encoding: .utf8)).map(KeyPathLocation.init(text:))
    return errors.map { error in
        let place = location?.position(of: error.keyPath).map { ":\($0.line):\($0.column)" } ?? ""
        return "\(path)\(place): \(error)"
    }.joined(separator: "\n")
}

/// Runs a scenario with only the analyses `select` keeps, and prints the report.
func runOnly(_ path: String?, flags: RunFlags, _ select: (AnalysesSpecification) throws -> AnalysesSpecification) throws {
    var loaded = try loadScenario(path)
    loaded.analyses = try select(loaded.analyses)
    print(try ScenarioRunner.run(loaded, options: flags.options).lines.joined(separator: "\n"))
}

/// A subcommand whose errors are printed the way every subcommand prints
/// them (`fail`): it implements `execute`, and `run` reports.
protocol ReportingCommand: ParsableCommand {
    func execute() throws
    /// The scenario file the command reads, if any (where `fail` places
    /// resolution errors).
    var scenarioFile: String? { get }
}

extension ReportingCommand {
    var scenarioFile: String? { nil }

    func run() throws {
        do { try execute() } catch { throw fail(error, scenarioFile: scenarioFile) }
    }
}

struct Run: ReportingCommand {
    static let configuration = CommandConfiguration(abstract: "Run a scenario's analyses and write their files.")
    @Argument(help: "Scenario YAML file (default: the embedded demo scenario).")
    var scenario: String?
    var scenarioFile: String? { scenario }
    @OptionGroup var flags: RunFlags

    func execute() throws {
        let loaded = try loadScenario(scenario)
        if let farm = Cluster.farm {
            switch FullModelJob.eligibility(of: loaded, session: Cluster.session) {
            case .distributed:
                print(try FullModelJob.run(loaded, options: flags.options, farm: farm).joined(separator: "\n"))
                return
            case let .refused(reason):
                FileHandle.standardError.write(Data("note: \(reason)\n".utf8))
            case .other:
                break
            }
        }
        let report = try ScenarioRunner.run(loaded, options: flags.options)
        print(report.lines.joined(separator: "\n"))
    }
}

struct FixedPoints: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixed-points",
        abstract: "Find and classify the fixed points of a scenario's flow (its fixed_points block, or the defaults); other analyses are skipped.")
    @Argument(help: "Scenario YAML file (default: the embedded demo scenario).")
    var scenario: String?
    var scenarioFile: String? { scenario }
    @OptionGroup var flags: RunFlags

    func execute() throws {
        try runOnly(scenario, flags: flags) { AnalysesSpecification(fixedPoints: $0.fixedPoints ?? .default) }
    }
}

struct Continue: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only a scenario's continuation analysis: branches of fixed points and the bifurcation diagram.")
    @Argument(help: "Scenario YAML file with a `continuation` block.")
    var scenario: String
    var scenarioFile: String? { scenario }
    @OptionGroup var flags: RunFlags

    func execute() throws {
        try runOnly(scenario, flags: flags) { analyses in
            guard let continuation = analyses.continuation else {
                throw ResolutionError(keyPath: "analyses.continuation", message: "\(scenario) has no continuation block (parameter, from, to)")
            }
            return AnalysesSpecification(continuation: continuation)
        }
    }
}

struct Sweep: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the orders analysis for every member of a scenario's sweep, in parallel.",
        discussion: "Writes order_times_sweep.dat (one row per run) and sweep_summary.json (quartiles of t_k per order and epsilon, fraction of runs with t_1 <= ... <= t_n).")
    @Argument(help: "Scenario YAML file with a `sweep:` block (or use --seeds).")
    var scenario: String
    var scenarioFile: String? { scenario }
    @Option(name: .long, help: "Initialisation seeds per swept value (overrides sweep.seeds).")
    var seeds: Int?
    @OptionGroup var flags: RunFlags

    func execute() throws {
        let options = SweepOptions(run: flags.options, seeds: seeds, threads: flags.options.threads)
        let report = try SweepRunner.run(try loadScenario(scenario), options: options)
        print(report.lines.joined(separator: "\n"))
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check scenarios without running them (exit 0 when all are valid).")
    @Argument(help: "Scenario YAML files.")
    var scenarios: [String]

    func run() throws {
        var failures = 0
        for path in scenarios {
            do {
                _ = try ScenarioRunner.check(try Scenario.load(contentsOf: path))
                print("ok: \(path)")
            } catch {
                failures += 1
                // Parse errors carry their file already; others get it on every line.
                let message = located(error, in: path)
                    ?? (error is ScenarioError ? "\(error)" : "\(error)".split(separator: "\n").map { "\(path): \($0)" }.joined(separator: "\n"))
                FileHandle.standardError.write(Data("\(message)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

struct Info: ReportingCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a scenario's problem: size, expressivity, memory, solver.")
    @Argument(help: "Scenario YAML file (default: the embedded demo scenario).")
    var scenario: String?
    var scenarioFile: String? { scenario }

    func execute() throws {
        print(ProblemDescription(try ScenarioRunner.check(try loadScenario(scenario))).lines.joined(separator: "\n"))
    }
}

struct Plot: ReportingCommand {
    static let configuration = CommandConfiguration(abstract: "Render a result folder's plots with gnuplot (PNG beside the data).")
    @Argument(help: "Result folder.")
    var folder: String
    @Option(name: .long, help: "Folder holding the gnuplot scripts (default: ./plots or the one beside the build).")
    var scripts: String?

    func execute() throws {
        let rendered = try PlotRenderer(scriptsFolder: scripts).render(folder: folder)
        print(rendered.map { "wrote \($0)" }.joined(separator: "\n"))
    }
}

struct Export: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a scenario's resolved problem (target, model, initial parameters, tolerances) as problem.json.",
        discussion: "Another solver reading problem.json integrates exactly the same gradient flow (bench/peers/ do).")
    @Argument(help: "Scenario YAML file (default: the embedded demo scenario).")
    var scenario: String?
    var scenarioFile: String? { scenario }
    @Option(name: .long, help: "Folder to write problem.json into.")
    var output: String
    @Flag(name: .long, help: "Overwrite an existing problem.json.")
    var force = false

    func execute() throws {
        let resolved = try ScenarioRunner.check(try loadScenario(scenario))
        let path = (output as NSString).appendingPathComponent("problem.json")
        if !force && FileManager.default.fileExists(atPath: path) {
            throw ResolutionError(keyPath: "--output", message: "\(path) exists; pass --force to overwrite it")
        }
        print("wrote \(try ExportedProblem(resolved).write(into: output))")
    }
}

struct Integrate: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate a scenario's flow from init to t_end without analyses or files, and report the time it took (JSON).",
        discussion: "For benchmarks: prints wall times, CVODE's counters and peak memory as one JSON object; --final-state writes the parameters at t_end.")
    @Argument(help: "Scenario YAML file (default: the embedded demo scenario).")
    var scenario: String?
    var scenarioFile: String? { scenario }
    @Option(name: .long, help: "Relative tolerance (default: the scenario's).")
    var rtol: Double?
    @Option(name: .long, help: "Absolute tolerance (default: the scenario's).")
    var atol: Double?
    @Option(name: .long, help: "auto | dense | dense_cvode | gmres (default: the scenario's).")
    var linearSolver: String?
    @Flag(name: .long, help: "No diagonal preconditioner for GMRES.")
    var noPreconditioner = false
    @Option(name: .long, help: "Threads of the all-states passes (default: all cores).")
    var threads: Int?
    @Option(name: .customLong("repeat"), help: "Integrations to time (each builds the flow anew).")
    var repetitions: Int = 1
    @Option(name: .long, help: "Also time this many right-hand sides and J·v products at init.")
    var rhsCalls: Int = 0
    @Flag(name: .long, help: "Only time the right-hand sides (with --rhs-calls).")
    var noIntegration = false
    @Option(name: .long, help: "Write the free parameters at the stop time here, one per line (%.17g).")
    var finalState: String?

    func execute() throws {
        var loaded = try loadScenario(scenario)
        loaded.analyses = AnalysesSpecification()
        let resolved = try ScenarioRunner.check(loaded)
        var method = resolved.method
        if let rtol { method.relativeTolerance = rtol }
        if let atol { method.absoluteTolerance = atol }
        if let linearSolver {
            guard let choice = LinearSolverSelection(rawValue: linearSolver) else {
                throw ResolutionError(keyPath: "--linear-solver", message: "expected auto, dense, dense_cvode or gmres, got \(linearSolver)")
            }
            method.linearSolver = choice
        }
        if let threads { method.parallelism = Parallelism(threads: threads) }
        method.preconditioner = !noPreconditioner
        let (timing, state) = try FlowTiming.measure(resolved, method: method, repeats: repetitions, rhsCalls: rhsCalls,
                                                     integrate: !noIntegration)
        if let finalState {
            try AtomicFile.write(state.map { String(format: "%.17g", $0) }.joined(separator: "\n") + "\n", to: finalState)
        }
        print(try timing.json())
    }
}


Signals.install()
Cluster.startIfLaunched()
EBMFlowCommand.main()
