/// CVODE's counters and step data since the last `CVodeInit` / `CVodeReInit`
/// (the `CVodeGet*` optional outputs; the names in brackets are those of
/// `CVodePrintAllStats`).
public struct SolverStatistics: Codable, Sendable, Equatable {
    /// Internal steps taken [Steps] (`CVodeGetNumSteps`).
    public var steps: Int
    /// Right-hand-side evaluations by the integrator itself [RHS fn evals]
    /// (`CVodeGetNumRhsEvals`); excludes `linearSolverRHSEvaluations`.
    public var rhsEvaluations: Int
    /// Right-hand-side evaluations spent on difference-quotient Jacobians or
    /// J v products [LS RHS fn evals] (`CVodeGetNumLinRhsEvals`).
    public var linearSolverRHSEvaluations: Int
    /// Dense Jacobian evaluations, analytic or difference quotient [Jac fn
    /// evals] (`CVodeGetNumJacEvals`).
    public var jacobianEvaluations: Int
    /// J v products, analytic or difference quotient [Jac-times evals]
    /// (`CVodeGetNumJtimesEvals`).
    public var jacobianVectorEvaluations: Int
    /// Calls to the system's `prepareJacobianVectorProducts` [Jac-times setups]
    /// (`CVodeGetNumJTSetupEvals`).
    public var jacobianVectorSetups: Int
    /// Linear solver setups: LU factorisations with `.dense` [LS setups]
    /// (`CVodeGetNumLinSolvSetups`).
    public var linearSolverSetups: Int
    /// Krylov iterations; 0 with `.dense` [LS iters] (`CVodeGetNumLinIters`).
    public var linearIterations: Int
    /// Krylov convergence failures [LS fails] (`CVodeGetNumLinConvFails`).
    public var linearConvergenceFailures: Int
    /// Newton iterations [NLS iters] (`CVodeGetNumNonlinSolvIters`).
    public var nonlinearIterations: Int
    /// Newton convergence failures [NLS fails]
    /// (`CVodeGetNumNonlinSolvConvFails`).
    public var nonlinearConvergenceFailures: Int
    /// Steps rejected because the Newton iteration failed [NLS step fails]
    /// (`CVodeGetNumStepSolveFails`).
    public var nonlinearSolverStepFailures: Int
    /// Steps rejected by the local error test [Error test fails]
    /// (`CVodeGetNumErrTestFails`).
    public var errorTestFailures: Int
    /// Root-function evaluations [Root fn evals] (`CVodeGetNumGEvals`).
    public var rootEvaluations: Int
    /// The first step size used [Initial step size] (`CVodeGetActualInitStep`).
    public var initialStepSize: Double
    /// The last step size taken [Last step size] (`CVodeGetLastStep`).
    public var lastStepSize: Double
    /// The step size to attempt next [Current step size] (`CVodeGetCurrentStep`).
    public var currentStepSize: Double
    /// The order of the last step [Last method order] (`CVodeGetLastOrder`).
    public var lastOrder: Int
    /// The order to attempt next [Current method order] (`CVodeGetCurrentOrder`).
    public var currentOrder: Int
    /// CVODE's internal time t_n [Current time] (`CVodeGetCurrentTime`): the
    /// end of the last step, at or beyond the last output time. Dense output
    /// is valid on [t_n - `lastStepSize`, t_n].
    public var currentTime: Double

    /// All right-hand-side evaluations: the integrator's plus the linear
    /// solver's difference quotients.
    /// snake_case in JSON, as every other key of ebmflow's summaries.
    enum CodingKeys: String, CodingKey {
        case steps = "steps"
        case rhsEvaluations = "rhs_evaluations"
        case linearSolverRHSEvaluations = "linear_solver_rhs_evaluations"
        case jacobianEvaluations = "jacobian_evaluations"
        case jacobianVectorEvaluations = "jacobian_vector_evaluations"
        case jacobianVectorSetups = "jacobian_vector_setups"
        case linearSolverSetups = "linear_solver_setups"
        case linearIterations = "linear_iterations"
        case linearConvergenceFailures = "linear_convergence_failures"
        case nonlinearIterations = "nonlinear_iterations"
        case nonlinearConvergenceFailures = "nonlinear_convergence_failures"
        case nonlinearSolverStepFailures = "nonlinear_solver_step_failures"
        case errorTestFailures = "error_test_failures"
        case rootEvaluations = "root_evaluations"
        case initialStepSize = "initial_step_size"
        case lastStepSize = "last_step_size"
        case currentStepSize = "current_step_size"
        case lastOrder = "last_order"
        case currentOrder = "current_order"
        case currentTime = "current_time"
    }

    public var totalRHSEvaluations: Int { rhsEvaluations + linearSolverRHSEvaluations }
}
