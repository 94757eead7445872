import EBMAnalysis
import EBMCore
import EBMDistributed
import EBMFullModel
import EBMScenario
import Foundation

/// `ebmflow run` of the full model `ising(n)` with `k = n` under MPI: the
/// parameters (`2^n - 1`), the target and CVODE's vectors are split over
/// the ranks (`EBMFullModel`), so `n` is limited by the memory of all
/// ranks together. Taken when the job has a power-of-two number of ranks,
/// the model is the full one with nothing frozen, `spins >= 10` (where
/// the files hold per-order norms, not every coupling) and the scenario
/// asks for the `trajectory` analysis only. Rank 0 writes
/// `trajectory.dat` and `couplings.dat` in the serial format, and a
/// `summary.json` of its own.
public struct FullModelJob: Codable {
    let scenarioText: String
    let baseDirectory: String?
    let quick: Bool

    static let smallestSpins = 10

    /// Whether `scenario` runs as a distributed full model on `session`.
    public enum Eligibility: Equatable {
        case distributed
        /// A full-model trajectory that cannot be split over these ranks.
        case refused(String)
        case other
    }

    public static func eligibility(of scenario: Scenario, session: MPISession?) -> Eligibility {
        guard let session, session.size > 1, case let .ising(order) = scenario.model.kind, order == scenario.spins,
              scenario.model.frozen.isEmpty, scenario.spins >= smallestSpins, scenario.analyses.trajectory != nil else { return .other }
        var others = scenario.analyses
        others.trajectory = nil
        guard others.isEmpty else { return .other }
        guard session.size & (session.size - 1) == 0 else {
            return .refused("the distributed full model needs a power-of-two number of ranks (the Walsh–Hadamard transform splits the states by index bits), not \(session.size); running on rank 0 alone")
        }
        guard session.size <= 1 << (scenario.spins - 1) else {
            return .refused("\(session.size) ranks are too many for \(scenario.spins) spins; running on rank 0 alone")
        }
        return .distributed
    }

    func scenario() throws -> Scenario {
        let scenario = try Scenario.parse(yaml: scenarioText, fileName: "<scenario from rank 0>", baseDirectory: baseDirectory)
        return quick ? ScenarioRunner.quickened(scenario) : scenario
    }

    /// The collective part, on every rank: builds the blocks and integrates.
    /// `stop` is this rank's stop request (the ranks combine them after
    /// every step and stop together: `ParallelFullModelFlow.Interrupted`).
    func integrate(session: MPISession, stop: StopCondition,
                   afterStep: ((Double) -> Void)? = nil) throws -> (Scenario, ParallelFullModelFlow.Result) {
        let scenario = try scenario()
        let n = scenario.spins
        let beta = scenario.target.beta
        func masks(_ couplings: [CouplingSpecification]) -> [(mask: Int, value: Double)] {
            couplings.map { (Walsh.mask(of: $0.sites), beta * $0.value) }
        }
        let target: TargetSource
        switch scenario.target.kind {
        case let .random(seed, orders, scales): target = .random(seed: seed, orders: orders, scales: scales, beta: beta)
        case let .ising(couplings): target = .couplings(masks(couplings))
        case let .parity(strength, couplings): target = .couplings([((1 << n) - 1, beta * strength)] + masks(couplings))
        case .table, .data: target = .whole(try ResolvedScenario(scenario).target)
        }
        let initial: InitialSource
        switch scenario.initialization {
        case let .normal(scale, seed): initial = .normal(scale: scale, seed: seed)
        case let .uniform(scale, seed): initial = .uniform(scale: scale, seed: seed)
        case .zeros: initial = .zeros
        case let .values(values):
            let model = GeneralisedIsingModel(spins: n, order: n)
            var byMask: [Int: Double] = [:]
            for (name, value) in values {
                guard let j = model.parameterIndex(named: name) else { throw UnknownParameterError(name: name, model: model) }
                byMask[model.interactions[j]] = value
            }
            initial = .values(byMask)
        }
        let integrator = scenario.integrator
        let settings = ParallelFullModelFlow.Settings(relativeTolerance: integrator.relativeTolerance,
                                                      absoluteTolerance: integrator.absoluteTolerance,
                                                      maxSteps: integrator.maxSteps, krylovDimension: 50)
        let flow = try ParallelFullModelFlow(spins: n, session: session, target: target, initial: initial, settings: settings)
        let spec = scenario.analyses.trajectory!
        let sampling = TrajectorySampling(count: spec.samples,
                                          spacing: spec.spacing == .logarithmic ? .logarithmic(firstTime: spec.minimumTime) : .linear)
        let result = try flow.integrate(endTime: integrator.endTime, gradientTolerance: integrator.gradientTolerance,
                                        grid: sampling.times(until:), isStopRequested: { stop.isRequested }, afterStep: afterStep)
        return (scenario, result)
    }

    /// A worker's part: take part, and end the job if it fails (the others
    /// would wait for it in a collective call forever). Interrupted, it
    /// serves on: rank 0 reports and dismisses the workers.
    public static func serve(_ bytes: [UInt8], session: MPISession, stop: StopCondition) {
        do {
            _ = try JSONDecoder().decode(FullModelJob.self, from: Data(bytes)).integrate(session: session, stop: stop)
        } catch is ParallelFullModelFlow.Interrupted {
            return
        } catch {
            FileHandle.standardError.write(Data("error: rank \(session.rank): \(error)\n".utf8))
            session.abort(code: 1)
        }
    }

    /// Rank 0: starts the job on every rank, takes part, writes the files.
    public static func run(_ original: Scenario, options: RunOptions, farm: WorkFarm) throws -> [String] {
        let session = farm.session
        let scenario = options.quick ? ScenarioRunner.quickened(original) : original
        let folder = options.output ?? scenario.output ?? "out/\(scenario.name)"
        try ScenarioRunner.prepare(folder: folder, force: options.force, resume: options.resume)
        if options.resume { try Checkpoints.checkBeforeResuming(folder, scenario: scenario, quick: options.quick) }
        let progress = options.quiet ? nil : FileHandle.standardError
        let n = scenario.spins
        progress?.write(Data("full model ising(k=\(n)): \((1 << n) - 1) parameters over \(session.size) ranks (\((1 << n) / session.size) states each), CVODE on nvector_parallel with SPGMR\n".utf8))
        let job = FullModelJob(scenarioText: original.sourceText, baseDirectory: original.baseDirectory, quick: options.quick)
        try farm.startCollective(try JSONEncoder().encode(job).map { $0 })
        let started = Date()
        let result: ParallelFullModelFlow.Result
        do {
            var last = Date.distantPast
            result = try job.integrate(session: session, stop: options.stop) { t in
                guard let progress, Date().timeIntervalSince(last) >= 1 else { return }
                last = Date()
                progress.write(Data(String(format: "full model: t = %.4g\n", t).utf8))
            }.1
        } catch is ParallelFullModelFlow.Interrupted {
            // Every rank stopped at this step; the trajectory is computed
            // again on resuming, as a serial one is.
            throw try Checkpoints.interruptRun(in: "trajectory", scenario: scenario, quick: options.quick, folder: folder)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            session.abort(code: 1)
        }
        let seconds = Date().timeIntervalSince(started)
        var lines: [String] = []
        let model = "ising(k=\(n))"
        let orders = (1...n).map { "norm_J\($0)" }
        var trajectory = DataFile(scenario: scenario.name, columns: ["t", "KL", "grad_norm"] + orders, constants: [
            ("model", model), ("stop_reason", result.stopReason.rawValue), ("stop_time", DataFile.format(result.stopTime)),
        ])
        trajectory.comment("P = \((1 << n) - 1) > \(TrajectoryFiles.parameterColumnLimit): parameter columns replaced by the norm of each block")
        var couplings = DataFile(scenario: scenario.name, columns: ["t"] + orders)
        couplings.comment("effective couplings of the model, J = 2^-n H log p_theta, interactions ordered by order then sites")
        couplings.comment("2^n - 1 = \((1 << n) - 1) couplings: columns are the norms |J^(k)| of each order k")
        for sample in result.samples {
            trajectory.append([sample.time, sample.loss, sample.gradientNorm] + sample.orderNorms)
            couplings.append([sample.time] + sample.orderNorms)
        }
        try trajectory.write(to: folder + "/trajectory.dat")
        try couplings.write(to: folder + "/couplings.dat")
        let summary = FullModelSummary(scenario: scenario.name, model: model, spins: n, session: session, seconds: seconds,
                                       result: result)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(summary), to: folder + "/summary.json")
        // A serial run of the same scenario stopped in its trajectory left the run's checkpoint.
        Checkpoints.remove(in: folder) { _ in false }
        let last = result.samples.last
        lines.append("scenario \(scenario.name): \(model), \(n) spins, \((1 << n) - 1) parameters, distributed over \(session.size) ranks")
        lines.append(String(format: "trajectory: stopped at t = %.6g (%@), KL = %.6e, |grad L| = %.3e",
                                   result.stopTime, result.stopReason.rawValue, last?.loss ?? .nan, last?.gradientNorm ?? .nan))
        lines.append("solver: \(result.steps) steps, \(result.rightHandSides) right-hand sides, \(result.krylovIterations) Krylov iterations, gmres on nvector_parallel; \(String(format: "%.2f", seconds)) s")
        lines.append("wrote trajectory.dat, couplings.dat, summary.json in \(folder)")
        return lines
    }
}

/// `summary.json` of a distributed full-model run.
public struct FullModelSummary: Codable, Sendable {
    public struct Distribution: Codable, Sendable {
        public let ranks: Int
        public let statesPerRank: Int
        public let vector: String
        public let linearSolver: String
        public let wallSeconds: Double
        enum CodingKeys: String, CodingKey {
            case ranks, statesPerRank = "states_per_rank", vector, linearSolver = "linear_solver", wallSeconds = "wall_seconds"
        }
    }

    public struct Outcome: Codable, Sendable {
        public let stopReason: String
        public let stopTime: Double
        public let finalKL: Double
        public let finalGradientNorm: Double
        public let steps: Int
        public let rhsEvaluations: Int
        public let krylovIterations: Int
        enum CodingKeys: String, CodingKey {
            case stopReason = "stop_reason", stopTime = "stop_time", finalKL = "final_KL", finalGradientNorm = "final_grad_norm"
            case steps, rhsEvaluations = "rhs_evaluations", krylovIterations = "krylov_iterations"
        }
    }

    public let scenario: String
    public let version: String
    public let model: String
    public let spins: Int
    public let parameters: Int
    public let distributed: Distribution
    public let trajectory: Outcome

    init(scenario: String, model: String, spins n: Int, session: MPISession, seconds: Double, result: ParallelFullModelFlow.Result) {
        self.scenario = scenario
        version = EBMFlowVersion.current
        self.model = model
        spins = n
        parameters = (1 << n) - 1
        distributed = Distribution(ranks: session.size, statesPerRank: (1 << n) / session.size, vector: "nvector_parallel",
                                   linearSolver: "gmres", wallSeconds: seconds)
        trajectory = Outcome(stopReason: result.stopReason.rawValue, stopTime: result.stopTime,
                             finalKL: result.samples.last?.loss ?? .nan, finalGradientNorm: result.samples.last?.gradientNorm ?? .nan,
                             steps: result.steps, rhsEvaluations: result.rightHandSides, krylovIterations: result.krylovIterations)
    }
}
