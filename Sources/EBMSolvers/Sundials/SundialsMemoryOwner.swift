import CSundials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which SUNDIALS table a flag's value belongs to: a solver's own flags and
/// those of its linear solver interface overlap numerically.
enum FlagTable {
    /// The solver's own functions (`CV_*`, `KIN_*`).
    case solver
    /// The `cvode_ls.h` / `kinsol_ls.h` functions (`CVLS_*`, `KINLS_*`).
    case linearSolverInterface
    /// Other SUNDIALS functions (`SUNContext_Create`): 0 success, else failure.
    case generic
}

/// A Swift type that owns one CVODE or KINSOL memory block (`CVodeIntegrator`,
/// `KINSOLSolver`): the one gate its flags pass through, and the one place
/// its callbacks keep the error they caught.
protocol SundialsMemoryOwner: AnyObject {
    static var solver: SundialsError.Solver { get }
    /// The solver memory; nil until created.
    var memory: UnsafeMutableRawPointer? { get }
    /// The error a callback stored during the current C call; cleared
    /// before each call that can run callbacks, rethrown (inside a
    /// `SundialsError` or as it is) once the call has returned.
    var callbackError: (any Error)? { get set }
    /// t_n and the next step size for error reports, where they exist.
    var failurePosition: (time: Double?, stepSize: Double?) { get }
    /// The return value of one callback as the solver must see it: the
    /// parallel integrator agrees on it across ranks.
    func settled(_ flag: Int32) -> Int32
}

extension SundialsMemoryOwner {
    var failurePosition: (time: Double?, stepSize: Double?) { (nil, nil) }
    func settled(_ flag: Int32) -> Int32 { flag }

    /// The one gate every SUNDIALS return flag passes through: 0 and positive
    /// (informational) flags return, failures throw a `SundialsError` carrying
    /// the function, the flag's name, the position (CVODE's time and step
    /// size) and the error a callback stored during the call. `detail` is
    /// formed only for a failure (a check runs after every CVODE step).
    @discardableResult
    func check(
        _ flag: Int32, _ function: String, table: FlagTable = .solver, detail: @autoclosure () -> String? = nil
    ) throws -> Int32 {
        let failed = table == .generic ? flag != 0 : flag < 0
        guard failed else { return flag }
        throw failure(flag, function, table: table, detail: detail())
    }

    /// The `SundialsError` for a failure flag.
    func failure(_ flag: Int32, _ function: String, table: FlagTable = .solver, detail: String? = nil)
        -> SundialsError
    {
        let position = failurePosition
        return SundialsError(
            solver: Self.solver, status: SundialsError.Status(flag: flag, solver: Self.solver, table: table),
            flag: flag, flagName: flagName(flag, solver: Self.solver, table: table), function: function,
            time: position.time, stepSize: position.stepSize, underlying: callbackError, detail: detail)
    }

    /// A SUNDIALS constructor's result, or a `.memoryFailure` if it is NULL.
    func allocated<Pointer>(_ pointer: Pointer?, _ function: String) throws -> Pointer {
        guard let pointer else {
            throw SundialsError(
                solver: Self.solver, status: .memoryFailure, flag: 0, flagName: "NULL", function: function)
        }
        return pointer
    }

    /// One optional output (`CVodeGetNumSteps`, `KINGetFuncNorm`, …), its
    /// flag checked.
    func output<Value: Numeric>(
        _ get: (UnsafeMutableRawPointer?, UnsafeMutablePointer<Value>?) -> Int32, _ function: String,
        _ table: FlagTable = .solver
    ) throws -> Value {
        var value: Value = 0
        try check(get(memory, &value), function, table: table)
        return value
    }

    /// Runs a callback's Swift body: a thrown error is stored (never crosses
    /// into C) and answered with -1 (stop); the body's own answer (0, or +1
    /// for a recoverable non-finite value it stored) passes through
    /// `settled`. A NULL `user_data` answers -1: it cannot happen with the
    /// wrappers' setup, and trapping inside C would take the process down.
    static func callback(
        _ userData: UnsafeMutableRawPointer?, _ body: (Self) throws -> Int32
    ) -> Int32 {
        guard let userData else { return -1 }
        // Unretained: the owner owns the solver memory, so it outlives every callback.
        let owner = Unmanaged<Self>.fromOpaque(userData).takeUnretainedValue()
        let flag: Int32
        do {
            flag = try body(owner)
        } catch {
            owner.callbackError = error
            flag = -1
        }
        return owner.settled(flag)
    }

    /// 0 if `error` is nil; otherwise stores it and answers `recoverable`
    /// (+1, or -1 where the solver cannot step around it).
    func report(_ error: NonFiniteValueError?, recoverable: Bool = true) -> Int32 {
        guard let error else { return 0 }
        callbackError = error
        return recoverable ? 1 : -1
    }
}

extension SundialsError.Status {
    init(flag: Int32, solver: SundialsError.Solver, table: FlagTable) {
        switch (solver, table) {
        case (_, .generic):
            self = .other(flag)
        case (.cvode, .solver):
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
        case (.cvode, .linearSolverInterface):
            switch flag {
            case CVLS_MEM_NULL, CVLS_LMEM_NULL, CVLS_ILL_INPUT, CVLS_PMEM_NULL: self = .illegalInput
            case CVLS_MEM_FAIL: self = .memoryFailure
            case CVLS_JACFUNC_UNRECVR, CVLS_JACFUNC_RECVR: self = .linearSolverSetupFailure
            default: self = .other(flag)
            }
        case (.kinsol, .solver):
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
        case (.kinsol, .linearSolverInterface):
            switch flag {
            case KINLS_MEM_NULL, KINLS_LMEM_NULL, KINLS_ILL_INPUT, KINLS_PMEM_NULL: self = .illegalInput
            case KINLS_MEM_FAIL: self = .memoryFailure
            case KINLS_JACFUNC_ERR, KINLS_SUNMAT_FAIL, KINLS_SUNLS_FAIL: self = .linearSolverSetupFailure
            default: self = .other(flag)
            }
        }
    }
}

/// SUNDIALS' name for a flag (`CVodeGetReturnFlagName`,
/// `CVodeGetLinReturnFlagName`, `KINGetReturnFlagName`,
/// `KINGetLinReturnFlagName`). The C functions return memory from malloc,
/// which is freed here. KINSOL 6.4's `KINGetReturnFlagName` answers "NONE"
/// for the flags after `KIN_LSOLVE_FAIL`; those take their `kinsol.h`
/// spelling from `unnamedKINSOLFlags`.
func flagName(_ flag: Int32, solver: SundialsError.Solver, table: FlagTable = .solver) -> String {
    let name: UnsafeMutablePointer<CChar>?
    switch (solver, table) {
    case (_, .generic): return "flag \(flag)"
    case (.cvode, .solver): name = CVodeGetReturnFlagName(Int(flag))
    case (.cvode, .linearSolverInterface): name = CVodeGetLinReturnFlagName(Int(flag))
    case (.kinsol, .solver): name = KINGetReturnFlagName(Int(flag))
    case (.kinsol, .linearSolverInterface): name = KINGetLinReturnFlagName(Int(flag))
    }
    guard let name else { return "flag \(flag)" }
    defer { free(name) }
    let text = String(cString: name)
    if text == "NONE", solver == .kinsol, table == .solver, let spelled = unnamedKINSOLFlags[flag] { return spelled }
    return text
}

/// `kinsol.h`'s names for the flags `KINGetReturnFlagName` does not know.
private let unnamedKINSOLFlags: [Int32: String] = [
    KIN_SYSFUNC_FAIL: "KIN_SYSFUNC_FAIL",
    KIN_FIRST_SYSFUNC_ERR: "KIN_FIRST_SYSFUNC_ERR",
    KIN_REPTD_SYSFUNC_ERR: "KIN_REPTD_SYSFUNC_ERR",
    KIN_VECTOROP_ERR: "KIN_VECTOROP_ERR",
    KIN_CONTEXT_ERR: "KIN_CONTEXT_ERR",
]

/// A solver whose counters can be read (`CVodeGetNum*`, `KINGetNum*`).
public protocol SundialsCounters {
    associatedtype Statistics
    /// The counters, every flag checked.
    func readStatistics() throws -> Statistics
}

extension SundialsCounters {
    /// The counters. Reading them fails only on a NULL memory or a missing
    /// linear solver, which the owning class rules out: a failure here is a
    /// bug, hence the trap (never reached from a callback);
    /// `readStatistics()` throws instead.
    public var statistics: Statistics {
        do {
            return try readStatistics()
        } catch {
            preconditionFailure("\(error)")
        }
    }
}
