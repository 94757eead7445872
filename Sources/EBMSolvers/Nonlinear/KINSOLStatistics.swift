/// KINSOL's counters for the last `KINSol` call (the `KINGet*` optional
/// outputs; the names in brackets are those SUNDIALS' examples print).
public struct KINSOLStatistics: Sendable, Equatable {
    /// Newton iterations [nni] (`KINGetNumNonlinSolvIters`).
    public var nonlinearIterations: Int
    /// System function evaluations by KINSOL itself [nfe]
    /// (`KINGetNumFuncEvals`).
    public var functionEvaluations: Int
    /// Jacobian evaluations [nje] (`KINGetNumJacEvals`).
    public var jacobianEvaluations: Int
    /// Function evaluations spent on difference-quotient Jacobians [nfeD]
    /// (`KINGetNumLinFuncEvals`); 0 with the analytic Jacobian used here.
    public var linearSolverFunctionEvaluations: Int
    /// Line-search β-condition failures [nbcf] (`KINGetNumBetaCondFails`).
    public var betaConditionFailures: Int
    /// Line-search backtracks [nbktrk] (`KINGetNumBacktrackOps`).
    public var backtracks: Int
    /// |F|₂ at the last iterate, scaled by fscale = 1 [fnorm]
    /// (`KINGetFuncNorm`).
    public var functionNorm: Double
    /// The scaled length of the last step [steplength] (`KINGetStepLength`).
    public var stepLength: Double
}
