import CSundialsParallel
import EBMCore
import EBMDistributed
import Foundation

/// The gradient flow of the full model `ising(n)` with `k = n` split over
/// MPI ranks: `dθ/dt = m(q) - m(p_θ)`, `θ = (J_A)_{A ≠ ∅}`,
/// `log p_θ = H θ - log Z` (DESIGN §1.6: `E = -Σ θ_A χ_A`), integrated by
/// CVODE (BDF, Newton, SPGMR without preconditioner, matrix-free
/// `J v = -(H(p ⊙ H v) - m(p) Σ_x p(x) (H v)(x))`) on SUNDIALS'
/// `nvector_parallel`: rank `k` owns the masks `a` of its block (rank 0
/// without `a = 0`), so `P = 2^n - 1` as in the serial model, and CVODE's
/// norms are `MPI_Allreduce`s.
///
/// A right-hand side costs two distributed Walsh–Hadamard transforms, a
/// J v two; memory per rank is about `(12 + Krylov dimension) B` doubles,
/// `B = 2^n / R`. Collective: every rank makes the flow and calls the same
/// methods in the same order.
///
/// Owns its C objects (`SUNContext_Create`, `N_VNew_Parallel`,
/// `CVodeCreate`, `SUNLinSol_SPGMR`) and frees them in reverse in `deinit`.
public final class ParallelFullModelFlow {
    public let layout: BlockLayout
    let session: MPISession
    let walsh: DistributedWalsh
    let target: TargetBlock
    /// Local entries: `B - 1` on rank 0 (no `a = 0`), else `B`.
    let localLength: Int
    let offset: Int
    let initialBlock: [Double]

    private var communicator: UnsafeMutablePointer<MPI_Comm?>
    private var context: SUNContext?
    private var state: N_Vector?
    private var scratch: N_Vector?
    private var linearSolver: SUNLinearSolver?
    private var memory: UnsafeMutableRawPointer?

    // Work blocks of length B, and p, m(p) at the last J v setup.
    private var work: [Double]
    private var jacobianP: [Double]
    private var jacobianM: [Double]

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
        walsh = DistributedWalsh(layout: layout, session: session)
        self.target = try TargetBlock(target, walsh: walsh, session: session)
        offset = layout.rank == 0 ? 1 : 0
        localLength = layout.blockSize - offset
        initialBlock = initial.block(layout)
        work = [Double](repeating: 0, count: layout.blockSize)
        jacobianP = work
        jacobianM = work
        communicator = .allocate(capacity: 1)
        communicator.initialize(to: ebm_sundials_comm_world())

        try check(SUNContext_Create(UnsafeMutableRawPointer(communicator), &context), "SUNContext_Create")
        let global = sunindextype((1 << spins) - 1)
        state = N_VNew_Parallel(ebm_sundials_comm_world(), sunindextype(localLength), global, context)
        scratch = N_VNew_Parallel(ebm_sundials_comm_world(), sunindextype(localLength), global, context)
        guard state != nil, scratch != nil else { throw FullModelError("N_VNew_Parallel could not allocate \(localLength) doubles") }
        loadInitialState()
        memory = CVodeCreate(CV_BDF, context)
        guard memory != nil else { throw FullModelError("CVodeCreate failed") }
        try check(CVodeInit(memory, fullModelRightHandSide, 0, state), "CVodeInit")
        try check(CVodeSetUserData(memory, Unmanaged.passUnretained(self).toOpaque()), "CVodeSetUserData")
        try check(CVodeSStolerances(memory, settings.relativeTolerance, settings.absoluteTolerance), "CVodeSStolerances")
        try check(CVodeSetMaxNumSteps(memory, settings.maxSteps), "CVodeSetMaxNumSteps")
        linearSolver = SUNLinSol_SPGMR(state, Int32(SUN_PREC_NONE), Int32(min(settings.krylovDimension, (1 << spins) - 1)), context)
        guard linearSolver != nil else { throw FullModelError("SUNLinSol_SPGMR failed") }
        try check(CVodeSetLinearSolver(memory, linearSolver, nil), "CVodeSetLinearSolver")
        try check(CVodeSetJacTimes(memory, fullModelJacobianSetup, fullModelJacobianTimes), "CVodeSetJacTimes")
    }

    deinit {
        if memory != nil { CVodeFree(&memory) }
        if let linearSolver { SUNLinSolFree(linearSolver) }
        if let scratch { N_VDestroy(scratch) }
        if let state { N_VDestroy(state) }
        if context != nil { SUNContext_Free(&context) }
        communicator.deinitialize(count: 1)
        communicator.deallocate()
    }

    func check(_ flag: Int32, _ function: String) throws {
        guard flag >= 0 else {
            let name = CVodeGetReturnFlagName(Int(flag)).map { String(cString: $0) } ?? "\(flag)"
            throw FullModelError("\(function) failed with \(name) on rank \(layout.rank)")
        }
    }

    private func loadInitialState() {
        let y = N_VGetArrayPointer(state)!
        for i in 0..<localLength { y[i] = initialBlock[i + offset] }
    }

    // MARK: the model on one rank's block

    /// Copies local entries of `vector` into a block of length B (entry 0
    /// of rank 0, the constant, is 0).
    private func fill(_ block: inout [Double], from vector: N_Vector) {
        let v = N_VGetArrayPointer(vector)!
        if offset == 1 { block[0] = 0 }
        for i in 0..<localLength { block[i + offset] = v[i] }
    }

    /// `p_θ` on the block into `p` (log-sum-exp over ranks); returns the
    /// block of `log p_θ` through `logp` when asked.
    private func distribution(of theta: N_Vector, into p: inout [Double], logp: UnsafeMutablePointer<[Double]>? = nil) throws {
        fill(&p, from: theta)
        try walsh.transform(&p)
        let largest = try session.maximum([p.max() ?? -.infinity])[0]
        var local = 0.0
        for i in 0..<p.count { let e = exp(p[i] - largest); local += e; p[i] = e }
        let z = try session.sum([local])[0]
        if let logp {
            let logZ = log(z)
            logp.pointee = p.map { log($0) - logZ }
        }
        for i in 0..<p.count { p[i] /= z }
    }

    /// `f = m(q) - m(p_θ)` (the block's masks).
    func rightHandSide(_ theta: N_Vector, _ derivative: N_Vector) throws {
        try distribution(of: theta, into: &work)
        try walsh.transform(&work)
        let f = N_VGetArrayPointer(derivative)!
        for i in 0..<localLength { f[i] = target.moments[i + offset] - work[i + offset] }
    }

    /// Caches `p_θ` and `m(p_θ)` at `θ` for `jacobianTimes`.
    func jacobianSetup(_ theta: N_Vector) throws {
        try distribution(of: theta, into: &jacobianP)
        jacobianM = jacobianP
        try walsh.transform(&jacobianM)
    }

    /// `J v = -(H(p ⊙ g) - m(p) Σ_x p g)`, `g = H v`.
    func jacobianTimes(_ v: N_Vector, _ result: N_Vector) throws {
        fill(&work, from: v)
        try walsh.transform(&work)
        var local = 0.0
        for i in 0..<work.count { work[i] *= jacobianP[i]; local += work[i] }
        let s = try session.sum([local])[0]
        try walsh.transform(&work)
        let out = N_VGetArrayPointer(result)!
        for i in 0..<localLength { out[i] = -(work[i + offset] - jacobianM[i + offset] * s) }
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

    /// The sample of `θ` (collective).
    func sample(_ theta: N_Vector, at time: Double) throws -> Sample {
        var logp = [Double]()
        try distribution(of: theta, into: &work, logp: &logp)
        var kl = 0.0
        for i in 0..<work.count { kl += target.probabilities[i] * (target.logProbabilities[i] - logp[i]) }
        try walsh.transform(&work)
        var sums = [Double](repeating: 0, count: layout.spins + 2)
        sums[0] = kl
        let y = N_VGetArrayPointer(theta)!
        for i in 0..<localLength {
            let g = target.moments[i + offset] - work[i + offset]
            sums[1] += g * g
            let order = (layout.start + i + offset).nonzeroBitCount
            sums[1 + order] += y[i] * y[i]
        }
        let total = try session.sum(sums)
        return Sample(time: time, loss: total[0], gradientNorm: total[1].squareRoot(), orderNorms: total[2...].map { $0.squareRoot() })
    }

    /// `|f(θ)|` at the state (collective).
    private func gradientNorm(_ theta: N_Vector) throws -> Double {
        try rightHandSide(theta, scratch!)
        return N_VDotProd(scratch, scratch).squareRoot()
    }

    /// Integrates from `θ(0)` as the serial trajectory does: one step at a
    /// time to `endTime` (CVODE's stop time), samples read from the
    /// interpolant (`CVodeGetDky`) at the grid times each step passes, and
    /// a stop once `|∇L| < gradientTolerance` after a step; a flow that
    /// stops early is integrated again and sampled on the grid that ends at
    /// its stop time.
    /// `afterStep` sees the time reached after every step (for progress).
    public func integrate(endTime: Double, gradientTolerance: Double, grid: (Double) -> [Double],
                          afterStep: ((Double) -> Void)? = nil) throws -> Result {
        var pass = try samplingPass(grid: grid(endTime), endTime: endTime, gradientTolerance: gradientTolerance, afterStep: afterStep)
        if pass.stopReason == .gradientTolerance {
            pass = try samplingPass(grid: grid(pass.stopTime), endTime: endTime, gradientTolerance: gradientTolerance,
                                    afterStep: afterStep)
        }
        return pass
    }

    private func samplingPass(grid: [Double], endTime: Double, gradientTolerance: Double,
                              afterStep: ((Double) -> Void)?) throws -> Result {
        loadInitialState()
        try check(CVodeReInit(memory, 0, state), "CVodeReInit")
        try check(CVodeSetStopTime(memory, endTime), "CVodeSetStopTime")
        var pending = grid[...]
        var samples: [Sample] = []
        var time = 0.0
        var reason = StopReason.endTime
        func take(upTo t: Double) throws {
            while let next = pending.first, next <= t {
                if next == t {
                    samples.append(try sample(state!, at: next))
                } else {
                    try check(CVodeGetDky(memory, next, 0, scratch), "CVodeGetDky")
                    samples.append(try sample(scratch!, at: next))
                }
                pending.removeFirst()
            }
        }
        try take(upTo: 0)
        if gradientTolerance > 0, try gradientNorm(state!) < gradientTolerance {
            reason = .gradientTolerance
        }
        var steps = 0
        while reason == .endTime && time < endTime {
            guard steps < settings.maxSteps else {
                throw FullModelError("CVODE took max_steps = \(settings.maxSteps) steps (CV_TOO_MUCH_WORK) without reaching t = \(endTime); stopped at t = \(time)")
            }
            let flag = CVode(memory, endTime, state, &time, CV_ONE_STEP)
            try check(flag, "CVode at t = \(time)")
            steps += 1
            afterStep?(time)
            try take(upTo: time)
            if gradientTolerance > 0 {
                try check(CVodeGetDky(memory, time, 1, scratch), "CVodeGetDky")
                if N_VDotProd(scratch, scratch).squareRoot() < 10 * gradientTolerance, try gradientNorm(state!) < gradientTolerance {
                    reason = .gradientTolerance
                }
            }
        }
        if !pending.isEmpty { samples.append(try sample(state!, at: time)) }
        var nsteps = 0, nfevals = 0, nliters = 0
        _ = CVodeGetNumSteps(memory, &nsteps)
        _ = CVodeGetNumRhsEvals(memory, &nfevals)
        _ = CVodeGetNumLinIters(memory, &nliters)
        return Result(samples: samples, stopReason: reason, stopTime: time, steps: nsteps, rightHandSides: nfevals,
                      krylovIterations: nliters)
    }
}

// MARK: CVODE callbacks (user data: the flow, unretained)

private func flow(_ data: UnsafeMutableRawPointer?) -> ParallelFullModelFlow {
    Unmanaged<ParallelFullModelFlow>.fromOpaque(data!).takeUnretainedValue()
}

/// A failed MPI call inside a callback cannot be recovered by CVODE: -1
/// makes it stop (on every rank alike, since the failure is collective).
private let fullModelRightHandSide: CVRhsFn = { _, y, ydot, data in
    do { try flow(data).rightHandSide(y!, ydot!); return 0 } catch { return -1 }
}

private let fullModelJacobianSetup: CVLsJacTimesSetupFn = { _, y, _, data in
    do { try flow(data).jacobianSetup(y!); return 0 } catch { return -1 }
}

private let fullModelJacobianTimes: CVLsJacTimesVecFn = { v, jv, _, _, _, data, _ in
    do { try flow(data).jacobianTimes(v!, jv!); return 0 } catch { return -1 }
}
