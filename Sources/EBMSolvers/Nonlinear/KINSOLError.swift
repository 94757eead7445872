import CSundials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A KINSOL (or SUNDIALS) call returned a failure flag that is not an
/// outcome of the iteration, or could not allocate. The iteration's own
/// endings (line search failure, iteration limit, singular Jacobian, …) are
/// not errors: `KINSOLSolver.solve(from:)` reports them in
/// `NewtonResult.status`. Errors the system's residual or Jacobian throw are
/// rethrown as they are, not wrapped.
public struct KINSOLError: Error, CustomStringConvertible {
    public enum Status: Equatable, Sendable {
        /// An argument or option was refused (`KIN_ILL_INPUT`, `KIN_MEM_NULL`,
        /// `KIN_NO_MALLOC`, `KINLS_ILL_INPUT`, …).
        case illegalInput
        /// SUNDIALS could not allocate memory.
        case memoryFailure
        /// The linear solver could not be initialised (`KIN_LINIT_FAIL`).
        case linearSolverInitializationFailure
        /// The linear solver's setup failed (`KIN_LSETUP_FAIL`).
        case linearSolverSetupFailure
        /// The linear solve failed (`KIN_LSOLVE_FAIL`, `KIN_LINSOLV_NO_RECOVERY`).
        case linearSolverSolveFailure
        /// The system function failed (`KIN_SYSFUNC_FAIL`,
        /// `KIN_FIRST_SYSFUNC_ERR`, `KIN_REPTD_SYSFUNC_ERR`).
        case residualFailure
        /// The iteration ended without a root (`KIN_LINESEARCH_NONCONV`,
        /// `KIN_MAXITER_REACHED`, `KIN_MXNEWT_5X_EXCEEDED`,
        /// `KIN_LINESEARCH_BCFAIL`); normally a `NewtonResult.status`.
        case nonConvergence
        /// A vector operation failed (`KIN_VECTOROP_ERR`).
        case vectorOperationFailure
        /// Any other flag, kept verbatim.
        case other(Int32)
    }

    public let status: Status
    /// The C function's return value (0 when a function returning a pointer
    /// returned NULL).
    public let flag: Int32
    /// SUNDIALS' name for `flag` (`KIN_ILL_INPUT`), from
    /// `KINGetReturnFlagName` / `KINGetLinReturnFlagName`.
    public let flagName: String
    /// The C function that failed (`KINInit`, `KINSol`, …).
    public let function: String
    /// A value a callback stored during the failing call (a non-finite
    /// residual), if any.
    public let underlying: (any Error)?
    public let detail: String?

    public var description: String {
        var parts = ["\(function) failed with \(flagName) (\(flag))"]
        if let detail { parts.append(detail) }
        if let underlying { parts.append("The last callback error was: \(underlying)") }
        return parts.joined(separator: ". ") + "."
    }
}

/// Which SUNDIALS table a KINSOL flag belongs to: the KIN_ and KINLS_ flags
/// overlap numerically.
enum KINSOLFlagFamily {
    /// KINSOL's own functions (`KIN_*`).
    case solver
    /// The `kinsol_ls.h` functions (`KINLS_*`).
    case linearSolverInterface
    /// Other SUNDIALS functions (`SUNContext_Create`): 0 success, else failure.
    case generic
}

extension KINSOLError.Status {
    init(flag: Int32, family: KINSOLFlagFamily) {
        switch family {
        case .solver:
            switch flag {
            case KIN_MEM_NULL, KIN_ILL_INPUT, KIN_NO_MALLOC, KIN_CONTEXT_ERR: self = .illegalInput
            case KIN_MEM_FAIL: self = .memoryFailure
            case KIN_LINIT_FAIL: self = .linearSolverInitializationFailure
            case KIN_LSETUP_FAIL: self = .linearSolverSetupFailure
            case KIN_LSOLVE_FAIL, KIN_LINSOLV_NO_RECOVERY: self = .linearSolverSolveFailure
            case KIN_SYSFUNC_FAIL, KIN_FIRST_SYSFUNC_ERR, KIN_REPTD_SYSFUNC_ERR: self = .residualFailure
            case KIN_LINESEARCH_NONCONV, KIN_MAXITER_REACHED, KIN_MXNEWT_5X_EXCEEDED, KIN_LINESEARCH_BCFAIL:
                self = .nonConvergence
            case KIN_VECTOROP_ERR: self = .vectorOperationFailure
            default: self = .other(flag)
            }
        case .linearSolverInterface:
            switch flag {
            case KINLS_MEM_NULL, KINLS_LMEM_NULL, KINLS_ILL_INPUT, KINLS_PMEM_NULL: self = .illegalInput
            case KINLS_MEM_FAIL: self = .memoryFailure
            case KINLS_JACFUNC_ERR, KINLS_SUNMAT_FAIL, KINLS_SUNLS_FAIL: self = .linearSolverSetupFailure
            default: self = .other(flag)
            }
        case .generic:
            self = .other(flag)
        }
    }
}

/// SUNDIALS' name for a KINSOL flag. The C functions return memory from
/// malloc, which is freed here. KINSOL 6.4's `KINGetReturnFlagName` answers
/// "NONE" for the flags after `KIN_LSOLVE_FAIL`; those take their
/// `kinsol.h` spelling from `unnamedFlags`.
func kinsolFlagName(_ flag: Int32, family: KINSOLFlagFamily = .solver) -> String {
    let name: UnsafeMutablePointer<CChar>?
    switch family {
    case .solver: name = KINGetReturnFlagName(Int(flag))
    case .linearSolverInterface: name = KINGetLinReturnFlagName(Int(flag))
    case .generic: return "flag \(flag)"
    }
    guard let name else { return "flag \(flag)" }
    defer { free(name) }
    let text = String(cString: name)
    if text == "NONE", family == .solver, let spelled = unnamedFlags[flag] { return spelled }
    return text
}

/// `kinsol.h`'s names for the flags `KINGetReturnFlagName` does not know.
private let unnamedFlags: [Int32: String] = [
    KIN_SYSFUNC_FAIL: "KIN_SYSFUNC_FAIL",
    KIN_FIRST_SYSFUNC_ERR: "KIN_FIRST_SYSFUNC_ERR",
    KIN_REPTD_SYSFUNC_ERR: "KIN_REPTD_SYSFUNC_ERR",
    KIN_VECTOROP_ERR: "KIN_VECTOROP_ERR",
    KIN_CONTEXT_ERR: "KIN_CONTEXT_ERR",
]
