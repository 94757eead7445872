import CSundialsParallel
import EBMCore
import EBMDistributed
import EBMSolvers
import Foundation

/// The gradient flow of the full model `ising(n)` with `k = n` split over
/// MPI ranks: `dθ/dt = m(q) - m(p_θ)`, `θ = (J_A)_{A ≠ ∅}`,
/// `log p_θ = H θ - log Z` (`E = -Σ θ_A χ_A`), integrated by
/// `CVodeIntegrator` (BDF, Newton, SPGMR without preconditioner, matrix-free
/// `J v = -(H(p ⊙ H v) - m(p) Σ_x p(x) (H v)(x))`) on SUNDIALS'
/// `nvector_parallel` (`ParallelVectors`): rank `k` owns the masks `a` of
/// its block (rank 0 without `a = 0`), so `P = 2^n - 1` as in the serial
/// model, and CVODE's norms are `MPI_Allreduce`s.
///
/// A right-hand side costs two distributed Walsh–Hadamard transforms, a
/// J v two; memory per rank is about `(12 + Krylov dimension) B` doubles,
/// `B = 2^n / R`. Collective: every rank makes the flow and calls the same
/// methods in the same order.
///
/// The integrator owns the C objects (the same code as every serial
/// integration); failures are `SundialsError`s carrying the callback's error.
public final class ParallelFullModelFlow {
    public let layout: BlockLayout
    let session: MPISession
    let model: DistributedFullModel
    let integrator: CVodeIntegrator

    public struct Settings: Sendable {
        public var relativeTolerance: Double
        public var absoluteTolerance: Double
        public var maxSteps: Int
        public var krylovDimension: Int
        public init(relativeTolerance: Double, absoluteTolerance: Double, maxSteps: Int, krylovDimension: Int = 50) {
            self.relativeTolerance = relativeTolerance
            self.absoluteTolerance = absoluteTolerance
            self.maxSteps = maxSteps
            self.krylovDimension = krylovDimension
        }
    }
    public let settings: Settings

    public init(spins: Int, session: MPISession, target: TargetSource, initial: InitialSource, settings: Settings) throws {
        layout = try BlockLayout(spins: spins, ranks: session.size, rank: session.rank)
        self.session = session
        self.settings = settings
        model = try DistributedFullModel(layout: layout, session: session, target: target, initial: initial)
        let parameters = (1 << spins) - 1
        let method = try BDF(
            relativeTolerance: settings.relativeTolerance, absoluteTolerance: .scalar(settings.absoluteTolerance),
            maxSteps: settings.maxSteps, linearSolver: .gmres(maxKrylovDimension: min(settings.krylovDimension, parameters)),
            jacobian: .analytic)
        integrator = try CVodeIntegrator(
            system: model, initialTime: 0, initialState: model.initialState, method: method,
            vectors: ParallelVectors(session: session, globalLength: parameters))
    }

    // MARK: integration

    /// What rank 0 writes for one sample: `KL(q || p_θ)`, `|∇L|` and the
    /// norms `|J^(k)|` of each order (the couplings are θ).
    public struct Sample: Sendable {
        public let time: Double
        public let loss: Double
        public let gradientNorm: Double
        public let orderNorms: [Double]
    }

    /// Every rank stopped at the same step because one of them was asked
    /// to stop (SIGINT or SIGTERM).
    public struct Interrupted: Error, CustomStringConvertible {
        public let time: Double
        public var description: String { "the full model's integration was interrupted at t = \(time)" }
    }

    /// Why the integration stopped.
    public enum StopReason: String, Sendable {
        case endTime = "t_end"
        case gradientTolerance = "grad_tol"
    }

    public struct Result: Sendable {
        public let samples: [Sample]
        public let stopReason: StopReason
        public let stopTime: Double
        public let steps: Int
        public let rightHandSides: Int
        public let krylovIterations: Int
    }

    /// `|f(θ)|` at the state (collective).
    private func gradientNorm() throws -> Double {
        try integrator.withState { try model.gradientNorm(at: $0) }
    }

    /// Integrates from `θ(0)` as the serial trajectory does: one step at a
    /// time to `endTime` (CVODE's stop time), samples read from the
    /// interpolant (`CVodeGetDky`) at the grid times each step passes, and
    /// a stop once `|∇L| < gradientTolerance` after a step; a flow that
    /// stops early is integrated again and sampled on the grid that ends at
    /// its stop time.
    /// `afterStep` sees the time reached after every step (for progress).
    /// `isStopRequested` is this rank's stop request; after every step the
    /// ranks combine theirs (a maximum over the ranks, made whether or not
    /// a rank passed one), so all of them throw `Interrupted` at the same
    /// step when any was asked to stop.
    public func integrate(endTime: Double, gradientTolerance: Double, grid: (Double) -> [Double],
                          isStopRequested: () -> Bool = { false }, afterStep: ((Double) -> Void)? = nil) throws -> Result {
        var pass = try samplingPass(grid: grid(endTime), endTime: endTime, gradientTolerance: gradientTolerance,
                                    isStopRequested: isStopRequested, afterStep: afterStep)
        if pass.stopReason == .gradientTolerance {
            pass = try samplingPass(grid: grid(pass.stopTime), endTime: endTime, gradientTolerance: gradientTolerance,
                                    isStopRequested: isStopRequested, afterStep: afterStep)
        }
        return pass
    }

    private func samplingPass(grid: [Double], endTime: Double, gradientTolerance: Double, isStopRequested: () -> Bool,
                              afterStep: ((Double) -> Void)?) throws -> Result {
        try integrator.reinitialize(time: 0, state: model.initialState)
        try integrator.setStopTime(endTime)
        var pending = grid[...]
        var samples: [Sample] = []
        var time = 0.0
        var reason = StopReason.endTime
        func take(upTo t: Double) throws {
            while let next = pending.first, next <= t {
                if next == t {
                    samples.append(try integrator.withState { try model.sample($0, at: next) })
                } else {
                    samples.append(try integrator.withDenseOutput(at: next) { try model.sample($0, at: next) })
                }
                pending.removeFirst()
            }
        }
        try take(upTo: 0)
        if gradientTolerance > 0, try gradientNorm() < gradientTolerance {
            reason = .gradientTolerance
        }
        var steps = 0
        while reason == .endTime && time < endTime {
            guard steps < settings.maxSteps else {
                throw FullModelError("CVODE took max_steps = \(settings.maxSteps) steps (CV_TOO_MUCH_WORK) without reaching t = \(endTime); stopped at t = \(time)")
            }
            time = try integrator.step(toward: endTime).time
            steps += 1
            if try session.maximum([isStopRequested() ? 1 : 0])[0] > 0 { throw Interrupted(time: time) }
            afterStep?(time)
            try take(upTo: time)
            if gradientTolerance > 0 {
                let slope = try integrator.withDenseOutput(at: time, derivative: 1) { try model.globalNorm($0) }
                if slope < 10 * gradientTolerance, try gradientNorm() < gradientTolerance {
                    reason = .gradientTolerance
                }
            }
        }
        if !pending.isEmpty { samples.append(try integrator.withState { try model.sample($0, at: time) }) }
        let statistics = try integrator.readStatistics()
        return Result(samples: samples, stopReason: reason, stopTime: time, steps: statistics.steps,
                      rightHandSides: statistics.rhsEvaluations, krylovIterations: statistics.linearIterations)
    }
}
