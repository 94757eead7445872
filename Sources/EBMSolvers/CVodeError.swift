import CSundials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CVODE (or SUNDIALS) call returned a failure flag (< 0) or could not
/// allocate. It says what failed (`status`, `flagName`), where (`function`,
/// `time`, `stepSize`), why if a callback knows (`underlying`), and, in its
/// `description`, what to change.
public struct CVodeError: Error, CustomStringConvertible {
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
        /// The linear solver's setup (Jacobian, factorisation) failed.
        case linearSolverSetupFailure
        /// The linear solve (or a Jacobian-vector product) failed.
        case linearSolverSolveFailure
        /// The right-hand side failed unrecoverably, at the first call, or
        /// recoverably too many times in a row.
        case rightHandSideFailure
        /// A root (event) function failed.
        case rootFunctionFailure
        /// An argument was refused (a time outside the last step, a bad
        /// derivative order, an output time too close to the start, …).
        case illegalInput
        /// SUNDIALS could not allocate memory.
        case memoryFailure
        /// Any other flag, kept verbatim.
        case other(Int32)
    }

    public let status: Status
    /// The C function's return value (0 when a function returning a pointer
    /// returned NULL).
    public let flag: Int32
    /// SUNDIALS' name for `flag` (`CV_TOO_MUCH_WORK`), from
    /// `CVodeGetReturnFlagName` / `CVodeGetLinReturnFlagName`.
    public let flagName: String
    /// The C function that failed (`CVode`, `CVodeGetDky`, …).
    public let function: String
    /// The integrator's time t_n when the call failed (nil before `CVodeInit`).
    public let time: Double?
    /// The step size CVODE was about to attempt (nil before `CVodeInit`).
    public let stepSize: Double?
    /// The error a callback (right-hand side, Jacobian, J v, root functions)
    /// threw or reported during the failing call, if any.
    public let underlying: (any Error)?
    /// Context from the wrapper: the requested output time, the valid range.
    public let detail: String?

    public var description: String {
        var headline = "\(function) failed with \(flagName) (\(flag))"
        if let time { headline += " at t = \(time)" }
        if let stepSize { headline += " (step size \(stepSize))" }
        var parts = [headline + ": " + explanation]
        if let detail { parts.append(detail) }
        if let underlying, status != .rightHandSideFailure && status != .rootFunctionFailure {
            var sentence = "The last callback error was: \(underlying)"
            if let cause = underlying as? NonFiniteValueError {
                sentence += " (CVODE answers non-finite values by shrinking the step, which can stall the "
                    + "integration where they appear: fix the \(cause.quantity.rawValue) there, "
                    + "or end the integration before)"
            }
            parts.append(sentence)
        }
        if let advice { parts.append(advice) }
        return parts.joined(separator: ". ") + "."
    }

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
        case .linearSolverSetupFailure:
            return "the linear solver setup (Jacobian evaluation or factorisation) failed"
        case .linearSolverSolveFailure:
            return "the linear solve (or a Jacobian-vector product) failed"
        case .rightHandSideFailure:
            let failure = underlying.map { "\($0)" } ?? "an unknown error"
            switch flag {
            case CV_FIRST_RHSFUNC_ERR: return "the right-hand side failed at the initial state: \(failure)"
            case CV_REPTD_RHSFUNC_ERR: return "the right-hand side kept failing as the step shrank: \(failure)"
            default: return "the right-hand side failed: \(failure)"
            }
        case .rootFunctionFailure:
            return "a root function failed: " + (underlying.map { "\($0)" } ?? "an unknown error")
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
            return "With gmres raise the Krylov dimension or use linear_solver: dense; "
                + "check the Jacobian-vector product against finite differences"
        case .rightHandSideFailure:
            return "Fix the right-hand side at this state, or stop the integration before it leaves its domain"
        case .rootFunctionFailure:
            return "Fix the root functions at this state"
        case .illegalInput, .memoryFailure, .other:
            return nil
        }
    }
}

/// Which SUNDIALS table a flag's value belongs to: the CVODE and CVLS
/// (linear solver interface) flags overlap numerically.
enum FlagFamily {
    /// CVODE's own functions (`CV_*` flags).
    case integrator
    /// The `cvode_ls.h` functions (`CVLS_*` flags).
    case linearSolverInterface
    /// Other SUNDIALS functions (`SUNContext_Create`): 0 success, else failure.
    case generic
}

extension CVodeError.Status {
    init(flag: Int32, family: FlagFamily) {
        switch family {
        case .integrator:
            switch flag {
            case CV_TOO_MUCH_WORK: self = .tooMuchWork
            case CV_TOO_MUCH_ACC: self = .tooMuchAccuracy
            case CV_ERR_FAILURE: self = .errorTestFailure
            case CV_CONV_FAILURE, CV_NLS_FAIL: self = .convergenceFailure
            case CV_LINIT_FAIL, CV_LSETUP_FAIL: self = .linearSolverSetupFailure
            case CV_LSOLVE_FAIL: self = .linearSolverSolveFailure
            case CV_RHSFUNC_FAIL, CV_FIRST_RHSFUNC_ERR, CV_REPTD_RHSFUNC_ERR, CV_UNREC_RHSFUNC_ERR:
                self = .rightHandSideFailure
            case CV_RTFUNC_FAIL: self = .rootFunctionFailure
            case CV_MEM_FAIL: self = .memoryFailure
            case CV_MEM_NULL, CV_ILL_INPUT, CV_NO_MALLOC, CV_BAD_K, CV_BAD_T, CV_BAD_DKY, CV_TOO_CLOSE:
                self = .illegalInput
            default: self = .other(flag)
            }
        case .linearSolverInterface:
            switch flag {
            case CVLS_MEM_NULL, CVLS_LMEM_NULL, CVLS_ILL_INPUT, CVLS_PMEM_NULL: self = .illegalInput
            case CVLS_MEM_FAIL: self = .memoryFailure
            case CVLS_JACFUNC_UNRECVR, CVLS_JACFUNC_RECVR: self = .linearSolverSetupFailure
            default: self = .other(flag)
            }
        case .generic:
            self = .other(flag)
        }
    }
}

/// SUNDIALS' name for a flag. The C functions return memory from malloc,
/// which is freed here.
func flagName(_ flag: Int32, family: FlagFamily) -> String {
    let name: UnsafeMutablePointer<CChar>?
    switch family {
    case .integrator: name = CVodeGetReturnFlagName(Int(flag))
    case .linearSolverInterface: name = CVodeGetLinReturnFlagName(Int(flag))
    case .generic: return "flag \(flag)"
    }
    guard let name else { return "flag \(flag)" }
    defer { free(name) }
    return String(cString: name)
}

extension CVodeIntegrator {
    /// The one gate every SUNDIALS return flag passes through: 0 and positive
    /// (informational) flags return, negative ones throw a `CVodeError`
    /// carrying the integrator's time and step size and the error a callback
    /// stored during the call.
    @discardableResult
    func check(_ flag: Int32, _ function: String, family: FlagFamily = .integrator, detail: String? = nil)
        throws -> Int32
    {
        let failed = family == .generic ? flag != 0 : flag < 0
        guard failed else { return flag }
        throw CVodeError(
            status: CVodeError.Status(flag: flag, family: family),
            flag: flag,
            flagName: flagName(flag, family: family),
            function: function,
            time: currentInternalTime,
            stepSize: currentInternalStepSize,
            underlying: callbackError,
            detail: detail)
    }

    /// A SUNDIALS constructor's result, or a `.memoryFailure` if it is NULL.
    func allocated<Pointer>(_ pointer: Pointer?, _ function: String) throws -> Pointer {
        guard let pointer else {
            throw CVodeError(
                status: .memoryFailure, flag: 0, flagName: "NULL", function: function,
                time: nil, stepSize: nil, underlying: nil, detail: nil)
        }
        return pointer
    }
}
