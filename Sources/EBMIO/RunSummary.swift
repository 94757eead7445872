import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMScenario
import EBMSolvers
import Foundation

/// `summary.json`: what was run (version, scenario hash, settings) and what
/// came out (final loss, stop reason, solver statistics).
public struct RunSummary: Codable {
    public typealias Expressivity = EBMAnalysis.Expressivity

    public struct Integrator: Codable {
        public var rtol: Double
        public var atol: Double
        public var tEnd: Double
        public var gradTol: Double
        public var linearSolver: String
        public var maxSteps: Int
        enum CodingKeys: String, CodingKey {
            case rtol, atol, tEnd = "t_end", gradTol = "grad_tol", linearSolver = "linear_solver", maxSteps = "max_steps"
        }
    }

    public struct TrajectoryResult: Codable {
        public var stopReason: String
        public var stopTime: Double
        public var initialKL: Double
        public var finalKL: Double
        public var finalGradNorm: Double
        public var samples: Int
        public var solverStatistics: SolverStatistics
        public var finalParameters: [String: Double]?
        enum CodingKeys: String, CodingKey {
            case stopReason = "stop_reason", stopTime = "stop_time", initialKL = "initial_KL", finalKL = "final_KL"
            case finalGradNorm = "grad_norm", samples, solverStatistics = "solver_statistics", finalParameters = "final_parameters"
        }
    }

    /// A data target's held-out split and the model's scores on it.
    public struct HeldOut: Codable {
        public var holdout: Double
        public var splitSeed: UInt64
        public var testSamples: Int
        public var trainingSamples: Int
        /// Average `log q(x)` of the held-out samples: the score of a model that
        /// reproduces the (smoothed) training frequencies exactly.
        public var targetTestLogLikelihood: Double
        public var initialTestLogLikelihood: Double?
        public var finalTestLogLikelihood: Double?
        public var finalTrainingLogLikelihood: Double?
        /// The largest test log-likelihood among the trajectory's samples, and its time.
        public var bestTestLogLikelihood: Double?
        public var bestTime: Double?
        enum CodingKeys: String, CodingKey {
            case holdout, splitSeed = "split_seed", testSamples = "test_samples", trainingSamples = "train_samples"
            case targetTestLogLikelihood = "target_test_loglik", initialTestLogLikelihood = "initial_test_loglik"
            case finalTestLogLikelihood = "final_test_loglik", finalTrainingLogLikelihood = "final_train_loglik"
            case bestTestLogLikelihood = "best_test_loglik", bestTime = "best_time"
        }
    }

    public var ebmflow: String
    public var scenario: String
    public var scenarioHash: String
    public var spins: Int
    public var model: String
    public var parameters: Int
    public var freeParameters: Int
    public var frozen: [String]
    public var targetEntropy: Double
    public var expressivity: Expressivity?
    public var integrator: Integrator
    public var trajectory: TrajectoryResult?
    public var orders: OrdersSummary?
    public var heldOut: HeldOut?
    public var continuation: ContinuationSummary?

    enum CodingKeys: String, CodingKey {
        case ebmflow, scenario, scenarioHash = "scenario_hash", spins, model, parameters
        case freeParameters = "free_parameters", frozen, targetEntropy = "target_entropy", expressivity, integrator, trajectory
        case orders
        case heldOut = "held_out"
        case continuation
    }

    public init(resolved: ResolvedScenario, linearSolver: String) {
        let s = resolved.scenario
        ebmflow = EBMFlowVersion.current
        scenario = s.name
        scenarioHash = ScenarioHash.of(s.sourceText)
        spins = s.spins
        model = resolved.model.description
        parameters = resolved.model.parameterCount
        freeParameters = resolved.objective.dimension
        frozen = s.model.frozen
        targetEntropy = resolved.target.entropy
        expressivity = ExpressivityReport.generic(resolved.model)
        if let split = resolved.split, let spec = s.target.split {
            heldOut = HeldOut(holdout: spec.holdout, splitSeed: spec.seed, testSamples: split.test.count,
                              trainingSamples: split.training.count,
                              targetTestLogLikelihood: DataSplit.averageLogLikelihood(
                                  of: split.test, logProbabilities: resolved.target.logProbabilities))
        }
        integrator = Integrator(rtol: s.integrator.relativeTolerance, atol: s.integrator.absoluteTolerance,
                                tEnd: s.integrator.endTime, gradTol: s.integrator.gradientTolerance,
                                linearSolver: linearSolver, maxSteps: s.integrator.maxSteps)
    }

    public mutating func record(_ trajectory: Trajectory, model: any EnergyModel) {
        let names = model.parameterNames
        var finalParameters: [String: Double]?
        if names.count <= TrajectoryFiles.parameterColumnLimit {
            finalParameters = Dictionary(uniqueKeysWithValues: zip(names, trajectory.final.parameters))
        }
        self.trajectory = TrajectoryResult(
            stopReason: trajectory.stopReason.rawValue, stopTime: trajectory.stopTime,
            initialKL: trajectory.samples[0].loss, finalKL: trajectory.final.loss,
            finalGradNorm: trajectory.final.gradientNorm, samples: trajectory.samples.count,
            solverStatistics: trajectory.statistics, finalParameters: finalParameters)
    }

    /// The held-out scores along a trajectory (`likelihoods` at its samples).
    public mutating func record(_ likelihoods: [(test: Double, training: Double)], along trajectory: Trajectory) {
        guard var heldOut, let first = likelihoods.first, let last = likelihoods.last else { return }
        heldOut.initialTestLogLikelihood = first.test
        heldOut.finalTestLogLikelihood = last.test
        heldOut.finalTrainingLogLikelihood = last.training
        let best = likelihoods.indices.max { likelihoods[$0].test < likelihoods[$1].test }!
        heldOut.bestTestLogLikelihood = likelihoods[best].test
        heldOut.bestTime = trajectory.samples[best].time
        self.heldOut = heldOut
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: path)
    }
}

/// A stable fingerprint of a scenario's text (FNV-1a, 64 bits).
public enum ScenarioHash {
    public static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "fnv1a64:" + String(hash, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
