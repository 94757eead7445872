import CSundials
import EBMLinearAlgebra

/// Integrates dy/dt = f(t, y), y(t₀) = y₀ with CVODE's BDF method and Newton
/// iteration, locating the zeros of optional root functions on the way.
///
/// One instance owns one CVODE problem and every C object it needs, created
/// in SUNDIALS' order and freed in reverse in `deinit`:
///
///     SUNContext → N_Vector y → CVODE memory → SUNMatrix (dense only)
///                → SUNLinearSolver (LAPACK's symmetric or LU factorisations,
///                  CVODE's dense LU, or SPGMR)
///
/// The vectors come from a `VectorFactory`: serial ones by default, or one
/// block per MPI rank (`nvector_parallel`); everything else is the same code.
///
/// It has its own `SUNContext`, so distinct instances may run on distinct
/// threads; one instance must not be used from two threads at once. For
/// sweeps over initial conditions, reuse an instance with
/// `reinitialize(time:state:)` rather than building a new one.
///
/// Failures throw `SundialsError` (alias `CVodeError`), or
/// `InvalidArgumentError` / `MissingCapabilityError` for arguments refused
/// before reaching C. After a failed advance, `time` and `state` hold the
/// last point CVODE reached.
public final class CVodeIntegrator: SundialsMemoryOwner, SundialsCounters {
    static var solver: SundialsError.Solver { .cvode }

    public let system: any ODESystem
    public let method: BDF
    public let roots: RootFunctions?
    /// Where the vectors live.
    public let vectors: any VectorFactory
    /// n, the system's dimension (this process's entries), fixed at creation.
    public let dimension: Int

    // The system's capabilities this integrator uses, found when it is
    // built: a callback is registered only when its capability is here.
    let denseJacobianSystem: (any DenseJacobianODESystem)?
    let jacobianVectorSystem: (any JacobianVectorProductODESystem)?
    let preconditionedSystem: (any PreconditionedODESystem)?

    /// The time of `state`: the last output time, root or step returned.
    public private(set) var time: Double

    // The C objects, in creation order; `deinit` frees them in reverse.
    private var context: SUNContext?
    /// y: the initial state, then CVODE's output at `time`.
    private var stateVector: N_Vector?
    /// Receives `CVodeGetDky`'s interpolants.
    private var outputVector: N_Vector?
    private(set) var memory: UnsafeMutableRawPointer?
    private var matrix: SUNMatrix?
    private var linearSolver: SUNLinearSolver?

    /// How many Newton matrices the LAPACK solver of `.dense` has factored
    /// by Cholesky, Bunch–Kaufman and LU since the integrator was built
    /// (not reset by `reinitialize`); nil for the other linear solvers.
    public var newtonMatrixFactorizations: [NewtonMatrixFactorization.Kind: Int]? {
        guard method.linearSolver == .dense else { return nil }
        return NewtonMatrixLinearSolver.content(of: linearSolver)?.factorization.counts
    }

    /// Set once `CVodeInit` has succeeded: from then on CVODE can report its
    /// time and step size.
    private var isInitialized = false

    /// The error a callback stored during the current C call (see
    /// `CVodeCallbacks`); cleared before each call that can run callbacks.
    var callbackError: (any Error)?

    /// Creates the CVODE problem: `SUNContext_Create`, the vectors
    /// (`N_VNew_Serial` or the factory's constructor),
    /// `CVodeCreate(CV_BDF)`, `CVodeInit`, `CVodeSStolerances` or
    /// `CVodeSVtolerances`, `CVodeRootInit`, the step options of `method`, and
    /// `CVodeSetLinearSolver` with the LAPACK-backed `NewtonMatrixLinearSolver`
    /// or `SUNLinSol_Dense` (plus `CVodeSetJacFn` if
    /// the system provides its Jacobian) or `SUNLinSol_SPGMR`, left-
    /// preconditioned (`CVodeSetPreconditioner`) if the system provides a
    /// preconditioner (plus `CVodeSetJacTimes` if it provides J v). CVODE's
    /// own error printing is switched off (`CVodeSetErrFile(mem, NULL)`):
    /// its errors become Swift errors.
    ///
    /// - Throws: `InvalidArgumentError` if `initialState` or a vector
    ///   `absoluteTolerance` does not have `system.dimension` finite entries,
    ///   or `initialTime` is not finite; `MissingCapabilityError` if the
    ///   method needs what the system or the vectors lack (an analytic
    ///   Jacobian, serial vectors for `.dense`); `SundialsError` if SUNDIALS
    ///   refuses.
    public init(
        system: any ODESystem,
        initialTime: Double,
        initialState: [Double],
        method: BDF,
        roots: RootFunctions? = nil,
        vectors: any VectorFactory = SerialVectors()
    ) throws {
        self.system = system
        self.method = method
        self.roots = roots
        self.vectors = vectors
        self.dimension = system.dimension
        self.time = initialTime
        (denseJacobianSystem, jacobianVectorSystem, preconditionedSystem) = try Self.capabilities(
            of: system, for: method, vectors: vectors)

        guard dimension >= 1 else {
            throw InvalidArgumentError(
                argument: "system.dimension", reason: "must be at least 1, got \(dimension)")
        }
        try Self.validate(
            time: initialTime, state: initialState, dimension: dimension, names: ("initialTime", "initialState"))
        if case .vector(let atol) = method.absoluteTolerance, atol.count != dimension {
            throw InvalidArgumentError(
                argument: "BDF.absoluteTolerance",
                reason: "has \(atol.count) components, the system has dimension \(dimension)")
        }

        let n = sunindextype(dimension)
        try check(SUNContext_Create(vectors.communicator, &context), "SUNContext_Create", table: .generic)
        stateVector = try newVector()
        outputVector = try newVector()
        _ = mutableEntries(of: stateVector, count: dimension).update(from: initialState)

        memory = try allocated(CVodeCreate(CV_BDF, context), "CVodeCreate")
        try check(CVodeSetErrFile(memory, nil), "CVodeSetErrFile")
        try check(CVodeInit(memory, CVodeCallbacks.rightHandSide, initialTime, stateVector), "CVodeInit")
        isInitialized = true
        try check(CVodeSetUserData(memory, Unmanaged.passUnretained(self).toOpaque()), "CVodeSetUserData")

        switch method.absoluteTolerance {
        case .scalar(let atol):
            try check(CVodeSStolerances(memory, method.relativeTolerance, atol), "CVodeSStolerances")
        case .vector(let atol):
            // CVODE copies the tolerances into its own vector.
            let tolerances = try newVector()
            defer { N_VDestroy(tolerances) }
            _ = mutableEntries(of: tolerances, count: dimension).update(from: atol)
            try check(CVodeSVtolerances(memory, method.relativeTolerance, tolerances), "CVodeSVtolerances")
        }
        if let roots {
            try check(CVodeRootInit(memory, Int32(roots.count), CVodeCallbacks.rootFunctions), "CVodeRootInit")
        }
        try check(CVodeSetMaxNumSteps(memory, method.maxSteps), "CVodeSetMaxNumSteps")
        try check(CVodeSetMaxOrd(memory, Int32(method.maxOrder)), "CVodeSetMaxOrd")
        if let h = method.initialStep { try check(CVodeSetInitStep(memory, h), "CVodeSetInitStep") }
        if let h = method.maxStep { try check(CVodeSetMaxStep(memory, h), "CVodeSetMaxStep") }
        let policy = method.newtonMatrixPolicy
        if let steps = policy.stepsBetweenSetups {
            try check(CVodeSetLSetupFrequency(memory, steps), "CVodeSetLSetupFrequency")
        }
        if let change = policy.setupGammaChange {
            try check(CVodeSetDeltaGammaMaxLSetup(memory, change), "CVodeSetDeltaGammaMaxLSetup")
        }

        switch method.linearSolver {
        case .dense, .cvodeDense:
            matrix = try allocated(SerialOperations.newDenseMatrix(rows: n, columns: n, context: context), "SUNDenseMatrix")
            if method.linearSolver == .dense, let context {
                linearSolver = try allocated(
                    NewtonMatrixLinearSolver.make(dimension: dimension, context: context), "SUNLinSolNewEmpty")
            } else {
                linearSolver = try allocated(SUNLinSol_Dense(stateVector, matrix, context), "SUNLinSol_Dense")
            }
            try check(
                CVodeSetLinearSolver(memory, linearSolver, matrix), "CVodeSetLinearSolver",
                table: .linearSolverInterface)
            if denseJacobianSystem != nil {
                try check(
                    CVodeSetJacFn(memory, CVodeCallbacks.denseJacobian), "CVodeSetJacFn",
                    table: .linearSolverInterface)
            }
            if let steps = policy.stepsBetweenJacobians {
                try check(CVodeSetJacEvalFrequency(memory, steps), "CVodeSetJacEvalFrequency",
                          table: .linearSolverInterface)
            }
        case .gmres(let krylovDimension):
            let preconditioning = preconditionedSystem != nil ? SUN_PREC_LEFT : SUN_PREC_NONE
            linearSolver = try allocated(
                SUNLinSol_SPGMR(stateVector, Int32(preconditioning), Int32(krylovDimension), context),
                "SUNLinSol_SPGMR")
            try check(
                CVodeSetLinearSolver(memory, linearSolver, nil), "CVodeSetLinearSolver",
                table: .linearSolverInterface)
            if preconditionedSystem != nil {
                try check(
                    CVodeSetPreconditioner(
                        memory, CVodeCallbacks.preconditionerSetup, CVodeCallbacks.preconditionerSolve),
                    "CVodeSetPreconditioner", table: .linearSolverInterface)
            }
            if jacobianVectorSystem != nil {
                try check(
                    CVodeSetJacTimes(
                        memory, CVodeCallbacks.jacobianVectorSetup, CVodeCallbacks.jacobianVectorProduct),
                    "CVodeSetJacTimes", table: .linearSolverInterface)
            }
        }
    }

    /// The capabilities of `system` that `method` will use, or the
    /// `MissingCapabilityError` for one it needs and the system (or the
    /// vectors) lack.
    private static func capabilities(of system: any ODESystem, for method: BDF, vectors: any VectorFactory) throws
        -> ((any DenseJacobianODESystem)?, (any JacobianVectorProductODESystem)?, (any PreconditionedODESystem)?)
    {
        let systemName = "\(type(of: system))"
        let dense = (system as? any DenseJacobianODESystem).flatMap { $0.providesDenseJacobian ? $0 : nil }
        let products = (system as? any JacobianVectorProductODESystem)
            .flatMap { $0.providesJacobianVectorProduct ? $0 : nil }
        let preconditioner = (system as? any PreconditionedODESystem).flatMap { $0.providesPreconditioner ? $0 : nil }
        switch method.linearSolver {
        case .dense, .cvodeDense:
            guard vectors.isSerial else {
                throw MissingCapabilityError(
                    capability: .serialVectors, requiredBy: "BDF(linearSolver: .\(method.linearSolver.caseName))",
                    provider: "\(type(of: vectors)) (\(vectors.constructorName))")
            }
            switch method.jacobian {
            case .automatic: return (dense, nil, nil)
            case .differenceQuotient: return (nil, nil, nil)
            case .analytic:
                guard let dense else {
                    throw MissingCapabilityError(
                        capability: .denseJacobian,
                        requiredBy: "BDF(linearSolver: .\(method.linearSolver.caseName), jacobian: .analytic)",
                        provider: systemName)
                }
                return (dense, nil, nil)
            }
        case .gmres:
            switch method.jacobian {
            case .automatic: return (nil, products, preconditioner)
            case .differenceQuotient: return (nil, nil, preconditioner)
            case .analytic:
                guard let products else {
                    throw MissingCapabilityError(
                        capability: .jacobianVectorProduct, requiredBy: "BDF(linearSolver: .gmres, jacobian: .analytic)",
                        provider: systemName)
                }
                return (nil, products, preconditioner)
            }
        }
    }

    /// One vector of `dimension` entries from the factory.
    private func newVector() throws -> N_Vector {
        guard let context else {
            throw SundialsError(solver: .cvode, status: .illegalInput, flag: 0, flagName: "NULL", function: "SUNContext")
        }
        return try allocated(vectors.makeVector(localLength: dimension, context: context), vectors.constructorName)
            .assumingMemoryBound(to: _generic_N_Vector.self)
    }

    /// Under MPI, the ranks' common answer to a callback (see
    /// `VectorFactory.agreed`); a rank whose own answer was 0 learns that
    /// another failed.
    func settled(_ flag: Int32) -> Int32 {
        guard let agreed = vectors.agreed(flag) else { return flag }
        if agreed != flag, callbackError == nil { callbackError = CallbackFailedElsewhereError(flag: agreed) }
        return agreed
    }

    var failurePosition: (time: Double?, stepSize: Double?) { (currentInternalTime, currentInternalStepSize) }

    deinit {
        // Reverse order of creation. The flags are ignored: nothing can be
        // done about a failed free, and a deinit cannot throw.
        if memory != nil { CVodeFree(&memory) }
        if linearSolver != nil { _ = SUNLinSolFree(linearSolver) }
        if matrix != nil { SUNMatDestroy(matrix) }
        if outputVector != nil { N_VDestroy(outputVector) }
        if stateVector != nil { N_VDestroy(stateVector) }
        if context != nil { _ = SUNContext_Free(&context) }
    }

    // MARK: Integrating

    /// Integrates to `outputTime` and interpolates the state there (`CVode`
    /// with `CV_NORMAL`); stops earlier at a root or at the stop time.
    /// CVODE's internal time may run past `outputTime` (see
    /// `SolverStatistics.currentTime`). Asking for the current `time` returns
    /// at once.
    @discardableResult
    public func advance(to outputTime: Double) throws -> AdvanceResult {
        if outputTime == time { return .reached(time) }
        return try solve(toward: outputTime, task: CV_NORMAL)
    }

    /// Takes one internal step in the direction of `outputTime` and returns
    /// where it ended (`CVode` with `CV_ONE_STEP`): for callers that inspect
    /// every step. The step may overshoot `outputTime` unless a stop time
    /// prevents it.
    @discardableResult
    public func step(toward outputTime: Double) throws -> AdvanceResult {
        try solve(toward: outputTime, task: CV_ONE_STEP)
    }

    /// Forbids the integrator to step past `stopTime` (`CVodeSetStopTime`):
    /// the next advance that would cross it ends there with `.stopTime`.
    /// CVODE 6.4 then forgets it; until reached it stays in force, across
    /// `reinitialize` too (set `.infinity` to lift it).
    public func setStopTime(_ stopTime: Double) throws {
        try check(CVodeSetStopTime(memory, stopTime), "CVodeSetStopTime")
    }

    /// Restarts the problem at y(`time`) = `state` with every option, root
    /// function and the linear solver kept (`CVodeReInit`). Counters restart
    /// from zero; the result is the same as that of a fresh integrator.
    public func reinitialize(time newTime: Double, state newState: [Double]) throws {
        try Self.validate(time: newTime, state: newState, dimension: dimension, names: ("time", "state"))
        _ = mutableEntries(of: stateVector, count: dimension).update(from: newState)
        callbackError = nil
        try check(CVodeReInit(memory, newTime, stateVector), "CVodeReInit")
        time = newTime
    }

    private func solve(toward outputTime: Double, task: Int32) throws -> AdvanceResult {
        callbackError = nil
        var reached = time
        let flag = CVode(memory, outputTime, stateVector, &reached, task)
        // On failure CVODE still returns the last time reached and the state there.
        time = reached
        try check(flag, "CVode", detail: "The integration was heading for t = \(outputTime)")
        switch flag {
        case CV_ROOT_RETURN:
            var directions = [Int32](repeating: 0, count: roots?.count ?? 0)
            try check(CVodeGetRootInfo(memory, &directions), "CVodeGetRootInfo")
            return .root(reached, directions: directions)
        case CV_TSTOP_RETURN:
            return .stopTime(reached)
        default:
            return .reached(reached)
        }
    }

    // MARK: Reading the solution

    /// A copy of y(`time`).
    public var state: [Double] {
        Array(entries(of: stateVector, count: dimension))
    }

    /// Lends y(`time`) without copying; the buffer must not escape `body`.
    public func withState<Result>(_ body: (UnsafeBufferPointer<Double>) throws -> Result) rethrows -> Result {
        try body(entries(of: stateVector, count: dimension))
    }

    /// dᵏy/dtᵏ at `t` from CVODE's interpolating polynomial (`CVodeGetDky`).
    /// Valid for t in the last step, [t_n - h_last, t_n] (see
    /// `statistics.currentTime`, `statistics.lastStepSize`), and 0 ≤ k ≤ the
    /// current order. Accuracy is that of the solution for k = 0 and lower
    /// for derivatives.
    public func denseOutput(at t: Double, derivative k: Int = 0) throws -> [Double] {
        try withDenseOutput(at: t, derivative: k) { Array($0) }
    }

    /// As `denseOutput(at:derivative:)`, lending the result without copying;
    /// the buffer must not escape `body`.
    public func withDenseOutput<Result>(
        at t: Double, derivative k: Int = 0, _ body: (UnsafeBufferPointer<Double>) throws -> Result
    ) throws -> Result {
        let flag = CVodeGetDky(memory, t, Int32(k), outputVector)
        var detail: String? = nil
        if flag == CV_BAD_T {
            let end = currentInternalTime ?? .nan, start = end - ((try? output(CVodeGetLastStep, "CVodeGetLastStep")) ?? .nan)
            detail = "t = \(t) lies outside the last step [\(min(start, end)), \(max(start, end))]"
        } else if flag == CV_BAD_K {
            let order = (try? output(CVodeGetCurrentOrder, "CVodeGetCurrentOrder")).map { "\($0)" } ?? "?"
            detail = "derivative order \(k) is outside 0...\(order) (the current order)"
        }
        try check(flag, "CVodeGetDky", detail: detail)
        return try body(entries(of: outputVector, count: dimension))
    }

    // MARK: Statistics

    /// CVODE's counters since the last (re)initialisation, every
    /// `CVodeGet*` flag checked.
    public func readStatistics() throws -> SolverStatistics {
        let cvls = FlagTable.linearSolverInterface
        return SolverStatistics(
            steps: try output(CVodeGetNumSteps, "CVodeGetNumSteps"),
            rhsEvaluations: try output(CVodeGetNumRhsEvals, "CVodeGetNumRhsEvals"),
            linearSolverRHSEvaluations: try output(CVodeGetNumLinRhsEvals, "CVodeGetNumLinRhsEvals", cvls),
            jacobianEvaluations: try output(CVodeGetNumJacEvals, "CVodeGetNumJacEvals", cvls),
            jacobianVectorEvaluations: try output(CVodeGetNumJtimesEvals, "CVodeGetNumJtimesEvals", cvls),
            jacobianVectorSetups: try output(CVodeGetNumJTSetupEvals, "CVodeGetNumJTSetupEvals", cvls),
            linearSolverSetups: try output(CVodeGetNumLinSolvSetups, "CVodeGetNumLinSolvSetups"),
            linearIterations: try output(CVodeGetNumLinIters, "CVodeGetNumLinIters", cvls),
            linearConvergenceFailures: try output(CVodeGetNumLinConvFails, "CVodeGetNumLinConvFails", cvls),
            nonlinearIterations: try output(CVodeGetNumNonlinSolvIters, "CVodeGetNumNonlinSolvIters"),
            nonlinearConvergenceFailures: try output(CVodeGetNumNonlinSolvConvFails, "CVodeGetNumNonlinSolvConvFails"),
            nonlinearSolverStepFailures: try output(CVodeGetNumStepSolveFails, "CVodeGetNumStepSolveFails"),
            errorTestFailures: try output(CVodeGetNumErrTestFails, "CVodeGetNumErrTestFails"),
            rootEvaluations: try output(CVodeGetNumGEvals, "CVodeGetNumGEvals"),
            initialStepSize: try output(CVodeGetActualInitStep, "CVodeGetActualInitStep"),
            lastStepSize: try output(CVodeGetLastStep, "CVodeGetLastStep"),
            currentStepSize: try output(CVodeGetCurrentStep, "CVodeGetCurrentStep"),
            lastOrder: Int(try output(CVodeGetLastOrder, "CVodeGetLastOrder") as Int32),
            currentOrder: Int(try output(CVodeGetCurrentOrder, "CVodeGetCurrentOrder") as Int32),
            currentTime: try output(CVodeGetCurrentTime, "CVodeGetCurrentTime"))
    }

    /// t_n, for error reports (read by `check`, so not checked itself); nil
    /// before `CVodeInit`.
    var currentInternalTime: Double? {
        guard isInitialized else { return nil }
        var t = 0.0
        return CVodeGetCurrentTime(memory, &t) == CV_SUCCESS ? t : nil
    }

    /// The next step size, for error reports; nil before `CVodeInit`.
    var currentInternalStepSize: Double? {
        guard isInitialized else { return nil }
        var h = 0.0
        return CVodeGetCurrentStep(memory, &h) == CV_SUCCESS ? h : nil
    }

    private static func validate(
        time: Double, state: [Double], dimension: Int, names: (time: String, state: String)
    ) throws {
        guard time.isFinite else {
            throw InvalidArgumentError(argument: names.time, reason: "must be finite, got \(time)")
        }
        guard state.count == dimension else {
            throw InvalidArgumentError(
                argument: names.state, reason: "has \(state.count) components, the system has dimension \(dimension)")
        }
        if let i = state.firstIndex(where: { !$0.isFinite }) {
            throw InvalidArgumentError(argument: names.state, reason: "component \(i) is \(state[i])")
        }
    }
}
