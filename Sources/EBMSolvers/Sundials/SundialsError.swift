/// A CVODE or KINSOL call (or a SUNDIALS constructor) returned a failure
/// flag (< 0) or could not allocate. It says what failed (`status`,
/// `flagName`), where (`function`, and for CVODE `time`, `stepSize`), why if
/// a callback knows (`underlying`), and, in its `description`, what to
/// change. Every flag of both solvers reaches it through one gate
/// (`SundialsMemoryOwner.check`).
///
/// KINSOL's iteration endings (line search failure, iteration limit,
/// singular Jacobian, …) are not errors: `KINSOLSolver.solve(from:)` reports
/// them in `NewtonResult.status`, and errors the system's residual or
/// Jacobian throw are rethrown as they are.
public struct SundialsError: Error, CustomStringConvertible {
    /// The SUNDIALS package whose function failed.
    public enum Solver: String, Sendable {
        case cvode = "CVODE"
        case kinsol = "KINSOL"
    }

    /// The failure, grouped by what a caller can do about it.
    public enum Status: Equatable, Sendable {
        /// `maxSteps` internal steps were taken without reaching the output time.
        case tooMuchWork
        /// The tolerances ask for more accuracy than double precision allows.
        case tooMuchAccuracy
        /// The local error test failed repeatedly or with |h| at its minimum.
        case errorTestFailure
        /// The Newton iteration failed to converge repeatedly or with |h| at
        /// its minimum, or the nonlinear solver failed unrecoverably.
        case convergenceFailure
        /// The linear solver could not be initialised (`KIN_LINIT_FAIL`).
        case linearSolverInitializationFailure
        /// The linear solver's setup (Jacobian, factorisation) failed.
        case linearSolverSetupFailure
        /// The linear solve (or a Jacobian-vector product) failed.
        case linearSolverSolveFailure
        /// CVODE's right-hand side failed unrecoverably, at the first call,
        /// or recoverably too many times in a row.
        case rightHandSideFailure
        /// A root (event) function failed.
        case rootFunctionFailure
        /// KINSOL's system function failed (`KIN_SYSFUNC_FAIL`,
        /// `KIN_FIRST_SYSFUNC_ERR`, `KIN_REPTD_SYSFUNC_ERR`).
        case residualFailure
        /// KINSOL's iteration ended without a root (`KIN_LINESEARCH_NONCONV`,
        /// `KIN_MAXITER_REACHED`, `KIN_MXNEWT_5X_EXCEEDED`,
        /// `KIN_LINESEARCH_BCFAIL`); normally a `NewtonResult.status`.
        case nonConvergence
        /// A vector operation failed (`KIN_VECTOROP_ERR`).
        case vectorOperationFailure
        /// An argument was refused (a time outside the last step, a bad
        /// derivative order, an output time too close to the start, …).
        case illegalInput
        /// SUNDIALS could not allocate memory.
        case memoryFailure
        /// Any other flag, kept verbatim.
        case other(Int32)
    }

    public let solver: Solver
    public let status: Status
    /// The C function's return value (0 when a function returning a pointer
    /// returned NULL).
    public let flag: Int32
    /// SUNDIALS' name for `flag` (`CV_TOO_MUCH_WORK`, `KIN_ILL_INPUT`), from
    /// `CVodeGetReturnFlagName`, `KINGetReturnFlagName` or their linear
    /// solver interface counterparts.
    public let flagName: String
    /// The C function that failed (`CVode`, `CVodeGetDky`, `KINInit`, …).
    public let function: String
    /// CVODE's time t_n when the call failed (nil before `CVodeInit`, and
    /// for KINSOL).
    public let time: Double?
    /// The step size CVODE was about to attempt (nil before `CVodeInit`,
    /// and for KINSOL).
    public let stepSize: Double?
    /// The error a callback (right-hand side, Jacobian, J v, root functions,
    /// residual) threw or reported during the failing call, if any.
    public let underlying: (any Error)?
    /// Context from the wrapper: the requested output time, the valid range.
    public let detail: String?

    public init(
        solver: Solver, status: Status, flag: Int32, flagName: String, function: String, time: Double? = nil,
        stepSize: Double? = nil, underlying: (any Error)? = nil, detail: String? = nil
    ) {
        self.solver = solver
        self.status = status
        self.flag = flag
        self.flagName = flagName
        self.function = function
        self.time = time
        self.stepSize = stepSize
        self.underlying = underlying
        self.detail = detail
    }

    public var description: String {
        var headline = "\(function) failed with \(flagName) (\(flag))"
        if let time { headline += " at t = \(time)" }
        if let stepSize { headline += " (step size \(stepSize))" }
        var parts = [headline + ": " + explanation]
        if let detail { parts.append(detail) }
        if let underlying, !explanationNamesTheCause {
            var sentence = "The last callback error was: \(underlying)"
            if let cause = underlying as? NonFiniteValueError {
                sentence += solver == .cvode
                    ? " (CVODE answers non-finite values by shrinking the step, which can stall the "
                        + "integration where they appear: fix the \(cause.quantity.rawValue) there, "
                        + "or end the integration before)"
                    : " (KINSOL answers a non-finite residual by halving the step, at most five times)"
            }
            parts.append(sentence)
        }
        if let advice { parts.append(advice) }
        return parts.joined(separator: ". ") + "."
    }

    /// Whether `explanation` already quotes `underlying`.
    private var explanationNamesTheCause: Bool {
        status == .rightHandSideFailure || status == .rootFunctionFailure || status == .residualFailure
    }

    private var cause: String { underlying.map { "\($0)" } ?? "an unknown error" }

    private var explanation: String {
        switch status {
        case .tooMuchWork:
            return "the solver took max_steps internal steps without reaching the output time"
        case .tooMuchAccuracy:
            return "the tolerances ask for more accuracy than double precision can deliver here"
        case .errorTestFailure:
            return "the local error test failed repeatedly or with the step size at its minimum"
        case .convergenceFailure:
            return "the Newton iteration failed to converge repeatedly or with the step size at its minimum"
        case .linearSolverInitializationFailure:
            return "the linear solver could not be initialised"
        case .linearSolverSetupFailure:
            return "the linear solver setup (Jacobian evaluation or factorisation) failed"
        case .linearSolverSolveFailure:
            return "the linear solve (or a Jacobian-vector product) failed"
        case .rightHandSideFailure:
            switch flagName {
            case "CV_FIRST_RHSFUNC_ERR": return "the right-hand side failed at the initial state: \(cause)"
            case "CV_REPTD_RHSFUNC_ERR": return "the right-hand side kept failing as the step shrank: \(cause)"
            default: return "the right-hand side failed: \(cause)"
            }
        case .rootFunctionFailure:
            return "a root function failed: \(cause)"
        case .residualFailure:
            return "the system function failed: \(cause)"
        case .nonConvergence:
            return "the Newton iteration ended without a root"
        case .vectorOperationFailure:
            return "a vector operation failed"
        case .illegalInput:
            return "an input was refused"
        case .memoryFailure:
            return "memory allocation failed"
        case .other:
            return "SUNDIALS reported a failure"
        }
    }

    private var advice: String? {
        switch status {
        case .tooMuchWork:
            return "Raise max_steps or loosen rtol/atol"
        case .tooMuchAccuracy:
            return "Loosen rtol/atol"
        case .errorTestFailure:
            return "Look for a singularity or a discontinuity of the right-hand side near this time; "
                + "a larger atol helps components that pass through zero"
        case .convergenceFailure:
            return "Try linear_solver: dense with an analytic Jacobian, or tighter tolerances"
        case .linearSolverSetupFailure:
            return "Check the analytic Jacobian against finite differences"
        case .linearSolverSolveFailure:
            return solver == .cvode
                ? "With gmres raise the Krylov dimension or use linear_solver: dense; "
                    + "check the Jacobian-vector product against finite differences"
                : "Check the analytic Jacobian against finite differences"
        case .rightHandSideFailure:
            return "Fix the right-hand side at this state, or stop the integration before it leaves its domain"
        case .rootFunctionFailure:
            return "Fix the root functions at this state"
        case .residualFailure:
            return "Fix the residual at this point, or constrain the iteration away from it"
        case .nonConvergence:
            return "Try another start, line search, or the minimum-norm Newton method"
        case .linearSolverInitializationFailure, .vectorOperationFailure, .illegalInput, .memoryFailure, .other:
            return nil
        }
    }
}

/// CVODE's failures, under the name the integrator's documentation uses.
public typealias CVodeError = SundialsError

/// KINSOL's failures, under the name the solver's documentation uses.
public typealias KINSOLError = SundialsError
