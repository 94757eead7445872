import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// Options of `ebmflow sweep`.
public struct SweepOptions {
    public var run: RunOptions
    /// Overrides `sweep.seeds` (or makes a seed sweep of a scenario without `sweep`).
    public var seeds: Int?
    /// Worker threads, at least 1; results do not depend on it.
    public var threads: Int

    public init(run: RunOptions = RunOptions(), seeds: Int? = nil, threads: Int = 1) {
        self.run = run
        self.seeds = seeds
        self.threads = threads
    }
}

/// Runs the `orders` analysis (both passes, no samples) for every member of
/// a scenario's sweep on worker threads, and writes `order_times_sweep.dat`
/// and `sweep_summary.json`. Each worker builds its own `GradientFlow`s, and
/// so its own `SUNContext`s, per member; members are independent and their
/// results are written in member order, so the files are the same bytes
/// whatever the number of threads.
public enum SweepRunner {
    /// One member's outcome.
    public struct MemberResult: Sendable {
        public let member: SweepMember
        public let convergence: OrderConvergence?
        public let error: String?
    }

    /// `--quick`: the first two values, at most two seeds, `t_end <= 100`.
    public static let quickValues = 2, quickSeeds = 2

    /// A sweep's scenario (`--quick` applied), block, thresholds and members.
    struct Plan {
        let scenario: Scenario
        let sweep: SweepSpecification
        let thresholds: [Double]
        let members: [SweepMember]
    }

    static func plan(_ original: Scenario, seeds: Int?, quick: Bool) throws -> Plan {
        let scenario = quick ? ScenarioRunner.quickened(original) : original
        var sweep = try specification(scenario, seeds: seeds)
        if quick {
            sweep.seeds = min(sweep.seeds, quickSeeds)
            sweep.variation = sweep.variation?.prefix(quickValues)
        }
        return Plan(scenario: scenario, sweep: sweep, thresholds: (scenario.analyses.orders ?? OrdersSpecification()).thresholds,
                    members: sweep.members(of: scenario))
    }

    public static func run(_ original: Scenario, options: SweepOptions) throws -> RunReport {
        let plan = try plan(original, seeds: options.seeds, quick: options.run.quick)
        let (scenario, sweep, thresholds, members) = (plan.scenario, plan.sweep, plan.thresholds, plan.members)
        guard options.threads >= 1 else { throw ResolutionError(keyPath: "--threads", message: "at least 1 thread, got \(options.threads)") }
        // Every member is resolved before any work, so a bad one fails fast.
        let problems = try members.map { member -> (OrderConvergenceProblem, GradientFlowMethod) in
            let resolved = try ScenarioRunner.check(member.scenario)
            return (OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: thresholds), resolved.method)
        }
        let folder = options.run.output ?? scenario.output ?? "out/\(scenario.name)"
        try ScenarioRunner.prepare(folder: folder, force: options.run.force, resume: options.run.resume, marker: "sweep_summary.json")

        let progress = Progress(quiet: options.run.quiet)
        let threads = min(options.threads, members.count)
        progress.say("sweep \(scenario.name): \(members.count) members (\(sweep.variation?.name ?? "init_seed") x \(sweep.seeds) seeds) on \(threads) threads")
        var checkpoint = try UnitCheckpoint<SweepRecord>.start("sweep", scenarioHash: ScenarioHash.of(scenario.sourceText),
                                                               units: members.count, folder: folder, resume: options.run.resume,
                                                               progress: progress)
        let clock = CheckpointClock(interval: options.run.checkpointInterval)
        var completed = Dictionary(uniqueKeysWithValues: checkpoint.records.compactMap { i, record -> (Int, MemberResult)? in
            i < members.count ? (i, MemberResult(member: members[i], convergence: record.convergence, error: record.error)) : nil
        })
        let results: [MemberResult]
        do {
            if let farm = options.run.farm {
                completed = try DistributedWork.sweepMembers(farm, original: original, quick: options.run.quick, seeds: options.seeds,
                                                             members: members, completed: completed, progress: progress) { i, result in
                    checkpoint.records[i] = SweepRecord(convergence: result.convergence, error: result.error)
                    if clock.isDue() { try? checkpoint.write(to: folder) }
                }
            }
            results = try runMembers(members, problems: problems, threads: threads, progress: progress, completed: completed) { i, result in
                checkpoint.records[i] = SweepRecord(convergence: result.convergence, error: result.error)
                if clock.isDue() { try? checkpoint.write(to: folder) }
            }
        } catch is AnalysisInterrupted {
            try checkpoint.write(to: folder)
            throw checkpoint.interrupted(folder, noun: "sweep members")
        } catch let failure as DistributedFailure {
            try checkpoint.write(to: folder)
            throw checkpoint.failed(folder, noun: "sweep members", because: failure)
        }
        checkpoint.remove(from: folder)

        var report = RunReport(folder: folder)
        let over = sweep.variation?.name ?? "init_seed"
        try ScenarioRunner.write(timesFile(results, thresholds: thresholds, over: over, scenario: scenario.name),
                                 "order_times_sweep.dat", into: folder, report: &report)
        let summary = SweepSummary(results, sweep: sweep, thresholds: thresholds, scenario: scenario)
        try summary.write(to: (folder as NSString).appendingPathComponent("sweep_summary.json"))
        report.files.append("sweep_summary.json")
        report.lines.append("sweep \(scenario.name): \(members.count) members over \(over), \(summary.failed.count) failed")
        for hierarchy in summary.groups[0].hierarchy {
            report.lines.append(String(format: "epsilon = %g: t_1 <= ... <= t_n in %.0f%% of runs (couplings), %.0f%% (moments)",
                                       hierarchy.epsilon, 100 * hierarchy.couplings, 100 * hierarchy.moments))
        }
        report.lines.append("wrote \(report.files.joined(separator: ", ")) in \(folder)")
        return report
    }

    /// The scenario's sweep, with `--seeds` applied.
    static func specification(_ scenario: Scenario, seeds: Int?) throws -> SweepSpecification {
        if let seeds, seeds < 1 { throw ResolutionError(keyPath: "--seeds", message: "at least 1 seed, got \(seeds)") }
        guard var sweep = scenario.sweep ?? seeds.map({ SweepSpecification(seeds: $0) }) else {
            throw ResolutionError(keyPath: "sweep", message: "the scenario has no sweep block; add one (sweep: {seeds: 8, over: init_scale, values: [...]}) or pass --seeds N")
        }
        if let seeds {
            if case .initSeed? = sweep.variation, seeds > 1 {
                throw ResolutionError(keyPath: "--seeds", message: "the sweep is over init_seed: its values are the seeds")
            }
            sweep.seeds = seeds
        }
        switch scenario.initialization {
        case .normal, .uniform: break
        default:
            if sweep.seeds > 1 { throw ResolutionError(keyPath: "init", message: "a seed sweep needs a random init (kind normal or uniform)") }
        }
        return sweep
    }

    /// Runs `OrderConvergence.solve` for every member on `threads` threads
    /// that take the next member as they finish one.
    static func runMembers(_ members: [SweepMember], problems: [(OrderConvergenceProblem, GradientFlowMethod)],
                           threads: Int, progress: Progress, completed: [Int: MemberResult] = [:],
                           onStore: ((Int, MemberResult) -> Void)? = nil) throws -> [MemberResult] {
        let board = ResultBoard(count: members.count, completed: completed)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            let worker = Thread {
                defer { group.leave() }
                while let i = board.claim() {
                    let member = members[i]
                    let result: MemberResult
                    do {
                        let convergence = try OrderConvergence.solve(problems[i].0, method: problems[i].1)
                        result = MemberResult(member: member, convergence: convergence, error: nil)
                    } catch {
                        result = MemberResult(member: member, convergence: nil, error: "\(error)")
                    }
                    let done = board.store(result, at: i)
                    board.locked {
                        onStore?(i, result)
                        progress.say("sweep: [\(done)/\(members.count)] member \(i) (value \(member.value), seed \(member.seed)) "
                                     + (result.error.map { "failed: \($0)" } ?? "done"))
                    }
                }
            }
            worker.stackSize = 16 << 20
            worker.start()
        }
        group.wait()
        let done = board.results.compactMap { $0 }
        if done.count < members.count {
            throw AnalysisInterrupted(analysis: "sweep", completedUnits: done.count, totalUnits: members.count)
        }
        return done
    }

    /// `member <over> tJ_<k>_eps<ε>… tm_<k>_eps<ε>… init_seed`, a row per
    /// run in member order (`nan`: trivial or failed; `inf`: not reached).
    static func timesFile(_ results: [MemberResult], thresholds: [Double], over: String, scenario: String) -> DataFile {
        let n = results.first?.member.scenario.spins ?? 1
        func names(_ prefix: String) -> [String] {
            (1...n).flatMap { k in thresholds.map { "\(prefix)_\(k)_eps\($0)" } }
        }
        var file = DataFile(scenario: scenario, columns: ["member", over] + names("tJ") + names("tm") + ["init_seed"])
        file.comment("tJ_k_epsE = t_k(E) from r_k (couplings vs theta_inf), tm_k_epsE from d_k (moments vs target); CVODE root finding")
        file.comment("nan: trivial order (nothing to learn) or failed run; inf: never within epsilon")
        let failed = results.filter { $0.error != nil }
        file.comment("failed runs: " + (failed.isEmpty ? "none" : failed.map { "\($0.member.id)" }.joined(separator: " ")))
        for result in results {
            var row = [Double(result.member.id), result.member.value]
            for times in [result.convergence?.couplingTimes, result.convergence?.momentTimes] {
                row += (0..<n).flatMap { k in thresholds.indices.map { j in times?[k][j].value ?? .nan } }
            }
            file.append(row + [Double(result.member.seed)])
        }
        return file
    }
}

/// A finished sweep member as a checkpoint keeps it.
struct SweepRecord: Codable {
    let convergence: OrderConvergence?
    let error: String?
}

/// Member indices handed out to workers and results collected, under one lock.
final class ResultBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var finished = 0
    private(set) var results: [SweepRunner.MemberResult?]

    /// `completed`: results of an interrupted run, kept as they are.
    init(count: Int, completed: [Int: SweepRunner.MemberResult] = [:]) {
        results = Array(repeating: nil, count: count)
        for (i, result) in completed where i < count { results[i] = result }
        finished = completed.count
    }

    /// The next member without a result, or nil when there is none or an
    /// interruption was requested.
    func claim() -> Int? {
        locked {
            while next < results.count && results[next] != nil { next += 1 }
            guard next < results.count, !Interruption.isRequested else { return nil }
            next += 1
            return next - 1
        }
    }

    /// Stores a result; returns how many are done.
    func store(_ result: SweepRunner.MemberResult, at i: Int) -> Int {
        locked {
            results[i] = result
            finished += 1
            return finished
        }
    }

    func locked<Value>(_ body: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
