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
        let onsets: [Double]
        let members: [SweepMember]
    }

    static func plan(_ original: Scenario, seeds: Int?, quick: Bool) throws -> Plan {
        let scenario = quick ? ScenarioRunner.quickened(original) : original
        var sweep = try specification(scenario, seeds: seeds)
        if quick {
            sweep.seeds = min(sweep.seeds, quickSeeds)
            sweep.targets = min(sweep.targets, quickSeeds)
            sweep.variation = sweep.variation?.prefix(quickValues)
        }
        let orders = scenario.analyses.orders ?? OrdersSpecification()
        return Plan(scenario: scenario, sweep: sweep, thresholds: orders.thresholds, onsets: orders.onsets,
                    members: sweep.members(of: scenario))
    }

    public static func run(_ original: Scenario, options: SweepOptions) throws -> RunReport {
        let plan = try plan(original, seeds: options.seeds, quick: options.run.quick)
        let (scenario, sweep, thresholds, members) = (plan.scenario, plan.sweep, plan.thresholds, plan.members)
        guard options.threads >= 1 else { throw ResolutionError(keyPath: "--threads", message: "at least 1 thread, got \(options.threads)") }
        // Every member is resolved before any work, so a bad one fails fast.
        let recipe = WorkTask.sweepMembers(SweepMembersTask(scenario: ScenarioReference(original, quick: options.run.quick),
                                                            seeds: options.seeds)).recipe
        let units = try Self.units(plan, recipe: recipe)
        let folder = options.run.output ?? scenario.output ?? "out/\(scenario.name)"
        try ScenarioRunner.prepare(folder: folder, force: options.run.force, resume: options.run.resume, marker: "sweep_summary.json")

        let progress = Progress(quiet: options.run.quiet)
        let scheduler = options.run.scheduler ?? LocalScheduler(threads: min(options.threads, members.count))
        progress.say("sweep \(scenario.name): \(members.count) members (\(sweep.variation?.name ?? "init_seed") x \(sweep.targets > 1 ? "\(sweep.targets) targets x " : "")\(sweep.seeds) seeds) on \(scheduler.layout)")
        let checkpointed = try CheckpointedRun<OrderConvergenceUnits>(OrderConvergenceUnits.self, scenario: scenario, units: members.count, folder: folder,
                                               options: options.run, progress: progress)
        var done = checkpointed.completed.count
        let records = try checkpointed.run {
            try scheduler.records(units, completed: checkpointed.completed, stop: options.run.stop) { i, record in
                checkpointed.save(i, record)
                done += 1
                let member = members[i]
                progress.say("sweep: [\(done)/\(members.count)] member \(i) (value \(member.value), seed \(member.seed)) "
                             + (record.error.map { "failed: \($0)" } ?? "done"))
            }
        }
        let results = members.indices.map { i in
            MemberResult(member: members[i], convergence: records[i]?.convergence, error: records[i]?.error)
        }

        var report = RunReport(folder: folder)
        let over = sweep.variation?.name ?? "init_seed"
        try ScenarioRunner.write(timesFile(results, thresholds: thresholds, onsets: plan.onsets, over: over, scenario: scenario.name),
                                 "order_times_sweep.dat", into: folder, report: &report)
        let summary = SweepSummary(results, sweep: sweep, thresholds: thresholds, onsets: plan.onsets, scenario: scenario)
        try summary.write(to: (folder as NSString).appendingPathComponent("sweep_summary.json"))
        report.files.append("sweep_summary.json")
        report.lines.append("sweep \(scenario.name): \(members.count) members over \(over), \(summary.failed.count) failed")
        for hierarchy in summary.groups[0].hierarchy {
            report.lines.append(String(format: "epsilon = %g: t_1 <= ... <= t_n in %.0f%% of runs (couplings), %.0f%% (moments)",
                                       hierarchy.epsilon, 100 * hierarchy.couplings, 100 * hierarchy.moments)
                                + (hierarchy.information.map { String(format: ", %.0f%% (information)", 100 * $0) } ?? ""))
        }
        for onset in summary.groups[0].onsetHierarchy ?? [] {
            report.lines.append(String(format: "onset f = %g: t_on_1 <= ... <= t_on_n in %.0f%% of runs (couplings), %.0f%% (moments)",
                                       onset.fraction, 100 * onset.couplings, 100 * onset.moments)
                                + (onset.information.map { String(format: ", %.0f%% (information)", 100 * $0) } ?? ""))
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

    /// The members' flows as work units (every member resolved first, so
    /// a bad one fails before any work).
    static func units(_ plan: Plan, recipe: WorkRecipe? = nil) throws -> OrderConvergenceUnits {
        OrderConvergenceUnits(problems: try plan.members.map { member in
            let resolved = try ScenarioRunner.check(member.scenario)
            return (OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: plan.thresholds, onsets: plan.onsets,
                                            measuresInformation: member.scenario.spins <= OrdersStep.informationSpinLimit), resolved.method)
        }, recipe: recipe)
    }

    /// `member <over> tJ_<k>_eps<ε>… tm_<k>_eps<ε>… init_seed tI_<k>_eps<ε>…
    /// onJ_<k>_f<f>… onm_<k>_f<f>… onI_<k>_f<f>… target_seed`, a row per run in member
    /// order (`nan`: trivial, not measured or failed; `inf`: not reached).
    static func timesFile(_ results: [MemberResult], thresholds: [Double], onsets: [Double], over: String, scenario: String) -> DataFile {
        let n = results.first?.member.scenario.spins ?? 1
        func names(_ prefix: String, _ levels: [Double], _ tag: String) -> [String] {
            (1...n).flatMap { k in levels.map { "\(prefix)_\(k)_\(tag)\($0)" } }
        }
        let columns = ["member", over] + names("tJ", thresholds, "eps") + names("tm", thresholds, "eps") + ["init_seed"]
            + names("tI", thresholds, "eps") + names("onJ", onsets, "f") + names("onm", onsets, "f") + names("onI", onsets, "f")
            + ["target_seed"]
        var file = DataFile(scenario: scenario, columns: columns)
        file.comment("tJ_k_epsE = t_k(E) from r_k (couplings vs theta_inf), tm_k_epsE from d_k (moments vs target); CVODE root finding")
        file.comment("tI_k_epsE: last entry of I_k(p_t) into [1-E, 1+E] I_k(p_inf); onX_k_fF: first time order k has covered the fraction F of its way (X = J, m, I)")
        file.comment("nan: trivial order (nothing to learn), not measured, or failed run; inf: never within epsilon")
        let failed = results.filter { $0.error != nil }
        file.comment("failed runs: " + (failed.isEmpty ? "none" : failed.map { "\($0.member.id)" }.joined(separator: " ")))
        for result in results {
            let c = result.convergence
            func values(_ times: [[OrderTime]]?, _ count: Int) -> [Double] {
                (0..<n).flatMap { k in (0..<count).map { j in times?[k][j].value ?? .nan } }
            }
            var row = [Double(result.member.id), result.member.value]
            row += values(c?.couplingTimes, thresholds.count) + values(c?.momentTimes, thresholds.count) + [Double(result.member.seed)]
            row += values(c?.informationTimes, thresholds.count)
            for measure in OrderMeasure.allCases { row += values(c?.onsetTimes[measure], onsets.count) }
            file.append(row + [result.member.targetSeed.map { Double($0) } ?? .nan])
        }
        return file
    }
}
