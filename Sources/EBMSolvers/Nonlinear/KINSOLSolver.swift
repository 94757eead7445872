import CSundials
import EBMLinearAlgebra

/// Solves F(x) = 0 for one `NonlinearSystem` with KINSOL, as `KINSOLNewton`
/// describes, from as many starts as asked (`KINSol` on the same memory, as
/// SUNDIALS' examples do; counters restart with every solve).
///
/// One instance owns every C object it needs, created in SUNDIALS' order and
/// freed in reverse in `deinit`:
///
///     SUNContext → N_Vector u, scale → KINSOL memory (constraints copied in)
///                → SUNMatrix (dense) → SUNLinearSolver (dense LU)
///
/// It has its own `SUNContext`, so distinct instances may run on distinct
/// threads; one instance must not be used from two threads at once.
public final class KINSOLSolver: SundialsMemoryOwner, SundialsCounters {
    static var solver: SundialsError.Solver { .kinsol }

    public let system: any NonlinearSystem
    public let method: KINSOLNewton
    public let constraints: [SignConstraint]?
    /// n, the system's dimension, fixed at creation.
    public let dimension: Int

    // The C objects, in creation order; `deinit` frees them in reverse.
    private var context: SUNContext?
    /// u: the start, then KINSOL's iterate.
    private var stateVector: N_Vector?
    /// Unit scaling for both u and F.
    private var scaleVector: N_Vector?
    private(set) var memory: UnsafeMutableRawPointer?
    private var matrix: SUNMatrix?
    private var linearSolver: SUNLinearSolver?

    /// The error a callback stored during the current `KINSol` (see
    /// `KINSOLCallbacks`); cleared before each solve.
    var callbackError: (any Error)?
    /// Evaluations the callbacks made during the current solve.
    var residualEvaluations = 0
    var jacobianEvaluations = 0
    /// The last finite (x, F(x)) the residual callback saw, so that the
    /// residual at the solution is usually known without another evaluation.
    var lastEvaluation: (point: [Double], residual: [Double])?

    /// Creates the KINSOL problem: `SUNContext_Create`, `N_VNew_Serial`,
    /// `KINCreate`, the options of `method` (`KINSetFuncNormTol`,
    /// `KINSetScaledStepTol`, `KINSetNumMaxIters`, `KINSetMaxSetupCalls`,
    /// `KINSetMaxNewtonStep`), `KINSetConstraints`, `KINInit`, and
    /// `KINSetLinearSolver` with `SUNLinSol_Dense` and `KINSetJacFn` (the
    /// system's analytic Jacobian). KINSOL's own error printing is switched
    /// off (`KINSetErrFile(mem, NULL)`): its errors become Swift values.
    ///
    /// - Throws: `InvalidArgumentError` for a dimension below 1 or
    ///   constraints of the wrong length; `SundialsError` if SUNDIALS refuses.
    public init(system: any NonlinearSystem, method: KINSOLNewton, constraints: [SignConstraint]? = nil) throws {
        self.system = system
        self.method = method
        self.constraints = constraints
        self.dimension = system.dimension
        guard dimension >= 1 else {
            throw InvalidArgumentError(
                argument: "system.dimension", reason: "must be at least 1, got \(dimension)")
        }
        if let constraints, constraints.count != dimension {
            throw InvalidArgumentError(
                argument: "constraints",
                reason: "has \(constraints.count) entries, the system has dimension \(dimension)")
        }

        let n = sunindextype(dimension)
        try check(SUNContext_Create(nil, &context), "SUNContext_Create", table: .generic)
        stateVector = try allocated(SerialOperations.newVector(length: n, context: context), "N_VNew_Serial")
        scaleVector = try allocated(SerialOperations.newVector(length: n, context: context), "N_VNew_Serial")
        N_VConst(1, scaleVector)

        memory = try allocated(KINCreate(context), "KINCreate")
        try check(KINSetErrFile(memory, nil), "KINSetErrFile")
        try check(KINSetUserData(memory, Unmanaged.passUnretained(self).toOpaque()), "KINSetUserData")
        try check(KINSetFuncNormTol(memory, method.residualTolerance), "KINSetFuncNormTol")
        try check(KINSetScaledStepTol(memory, method.stepTolerance), "KINSetScaledStepTol")
        try check(KINSetNumMaxIters(memory, method.maxIterations), "KINSetNumMaxIters")
        try check(KINSetMaxSetupCalls(memory, method.jacobianUpdateInterval), "KINSetMaxSetupCalls")
        if let step = method.maxNewtonStep {
            try check(KINSetMaxNewtonStep(memory, step), "KINSetMaxNewtonStep")
        }
        if let constraints, constraints.contains(where: { $0 != .unconstrained }) {
            // KINSOL copies the constraints into its own vector.
            let vector = try allocated(SerialOperations.newVector(length: n, context: context), "N_VNew_Serial")
            defer { N_VDestroy(vector) }
            _ = mutableEntries(of: vector, count: dimension).update(from: constraints.map(\.rawValue))
            try check(KINSetConstraints(memory, vector), "KINSetConstraints")
        }
        try check(KINInit(memory, KINSOLCallbacks.residual, stateVector), "KINInit")

        matrix = try allocated(SerialOperations.newDenseMatrix(rows: n, columns: n, context: context), "SUNDenseMatrix")
        linearSolver = try allocated(SUNLinSol_Dense(stateVector, matrix, context), "SUNLinSol_Dense")
        try check(
            KINSetLinearSolver(memory, linearSolver, matrix), "KINSetLinearSolver", table: .linearSolverInterface)
        try check(KINSetJacFn(memory, KINSOLCallbacks.denseJacobian), "KINSetJacFn", table: .linearSolverInterface)
    }

    deinit {
        // Reverse order of creation. The flags are ignored: nothing can be
        // done about a failed free, and a deinit cannot throw.
        if memory != nil { KINFree(&memory) }
        if linearSolver != nil { _ = SUNLinSolFree(linearSolver) }
        if matrix != nil { SUNMatDestroy(matrix) }
        if scaleVector != nil { N_VDestroy(scaleVector) }
        if stateVector != nil { N_VDestroy(stateVector) }
        if context != nil { _ = SUNContext_Free(&context) }
    }

    /// Runs `KINSol` from `x0` and reports how it ended.
    ///
    /// KINSOL's non-negative flags and its iteration failures become the
    /// result's status:
    ///
    /// * `KIN_SUCCESS`, `KIN_INITIAL_GUESS_OK` → `.converged` (after checking
    ///   |F|∞ <= the residual tolerance, KINSOL's own test);
    /// * `KIN_STEP_LT_STPTOL` → `.converged` only if |F|∞ <= the residual
    ///   tolerance at the last iterate, `.stalled` otherwise;
    /// * `KIN_LINESEARCH_NONCONV`, `KIN_LINESEARCH_BCFAIL` → `.stalled`;
    /// * `KIN_LSETUP_FAIL`, `KIN_LSOLVE_FAIL`, `KIN_LINSOLV_NO_RECOVERY` →
    ///   `.stalled` (the Jacobian is singular: the LU factorisation failed);
    /// * `KIN_MAXITER_REACHED` → `.maxIterations`;
    /// * `KIN_MXNEWT_5X_EXCEEDED` → `.diverged` (five steps of maximum length);
    /// * a non-finite residual or Jacobian KINSOL could not step around →
    ///   `.diverged`.
    ///
    /// - Throws: the error the system's residual or Jacobian threw, as it
    ///   is; `InvalidArgumentError` for a bad `x0`; `SundialsError` for every
    ///   other failure flag.
    public func solve(from x0: [Double]) throws -> NewtonResult {
        try validateStart(x0, dimension: dimension, constraints: constraints)
        _ = mutableEntries(of: stateVector, count: dimension).update(from: x0)
        callbackError = nil
        residualEvaluations = 0
        jacobianEvaluations = 0
        lastEvaluation = nil

        let strategy = method.lineSearch ? KIN_LINESEARCH : KIN_NONE
        let flag = KINSol(memory, stateVector, strategy, scaleVector, scaleVector)
        if let error = callbackError, !(error is NonFiniteValueError) { throw error }

        let solution = Array(entries(of: stateVector, count: dimension))
        let residual: [Double]
        if let last = lastEvaluation, last.point == solution {
            residual = last.residual
        } else {
            residualEvaluations += 1
            residual = try system.residual(solution)
        }
        let maxNorm = residual.contains { $0.isNaN } ? .nan : Vector.maxAbs(residual)
        let flagName = flagName(flag, solver: .kinsol)
        let callbackNote = callbackError.map { " (\($0))" } ?? ""

        let status: NewtonResult.Status
        switch flag {
        case KIN_SUCCESS, KIN_INITIAL_GUESS_OK:
            // KINSOL's own test is this one (unit fscale); checked again so that
            // no flag alone can make a root.
            status = maxNorm <= method.residualTolerance
                ? .converged
                : .stalled("\(flagName) with |F|∞ = \(maxNorm) above the tolerance \(method.residualTolerance)")
        case KIN_STEP_LT_STPTOL:
            status = maxNorm <= method.residualTolerance
                ? .converged
                : .stalled(
                    "\(flagName): the scaled step fell below \(method.stepTolerance) with |F|∞ = \(maxNorm) "
                        + "above the tolerance \(method.residualTolerance)")
        case KIN_LINESEARCH_NONCONV:
            status = .stalled("\(flagName): the line search found no sufficient decrease of |F|\(callbackNote)")
        case KIN_LINESEARCH_BCFAIL:
            status = .stalled("\(flagName): the line search could not satisfy the β-condition")
        case KIN_LSETUP_FAIL, KIN_LSOLVE_FAIL, KIN_LINSOLV_NO_RECOVERY:
            if let error = callbackError as? NonFiniteValueError, error.quantity == .jacobian {
                status = .diverged("\(flagName): \(error)")
            } else {
                status = .stalled("\(flagName): the Jacobian is singular (its LU factorisation failed)")
            }
        case KIN_MAXITER_REACHED:
            status = .maxIterations
        case KIN_MXNEWT_5X_EXCEEDED:
            status = .diverged("\(flagName): five consecutive steps of the maximum length \(maxNewtonStepText)")
        case KIN_SYSFUNC_FAIL, KIN_FIRST_SYSFUNC_ERR, KIN_REPTD_SYSFUNC_ERR:
            guard let error = callbackError else { throw failure(flag, "KINSol") }
            status = .diverged("\(flagName): \(error)")
        default:
            try check(flag, "KINSol")
            // A non-negative flag KINSOL 6.4 does not document (KIN_WARNING):
            // trust only the residual.
            status = maxNorm <= method.residualTolerance ? .converged : .stalled("\(flagName)")
        }
        return NewtonResult(
            solution: solution, residual: residual, iterations: try output(KINGetNumNonlinSolvIters, "KINGetNumNonlinSolvIters"),
            residualEvaluations: residualEvaluations, jacobianEvaluations: jacobianEvaluations,
            status: status, nullity: nil, method: method.name)
    }

    private var maxNewtonStepText: String {
        method.maxNewtonStep.map { "\($0)" } ?? "(KINSOL's default, max(1000 |x₀|, 1))"
    }

    /// KINSOL's counters for the last solve, every `KINGet*` flag checked.
    public func readStatistics() throws -> KINSOLStatistics {
        let kinls = FlagTable.linearSolverInterface
        return KINSOLStatistics(
            nonlinearIterations: try output(KINGetNumNonlinSolvIters, "KINGetNumNonlinSolvIters"),
            functionEvaluations: try output(KINGetNumFuncEvals, "KINGetNumFuncEvals"),
            jacobianEvaluations: try output(KINGetNumJacEvals, "KINGetNumJacEvals", kinls),
            linearSolverFunctionEvaluations: try output(KINGetNumLinFuncEvals, "KINGetNumLinFuncEvals", kinls),
            betaConditionFailures: try output(KINGetNumBetaCondFails, "KINGetNumBetaCondFails"),
            backtracks: try output(KINGetNumBacktrackOps, "KINGetNumBacktrackOps"),
            functionNorm: try output(KINGetFuncNorm, "KINGetFuncNorm"),
            stepLength: try output(KINGetStepLength, "KINGetStepLength"))
    }
}
