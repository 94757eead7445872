import CSundials
import EBMLinearAlgebra

/// A custom SUNDIALS 6 `SUNLinearSolver` of type `SUNLINEARSOLVER_DIRECT`
/// on a dense `SUNMatrix`, solving CVODE's Newton systems
///
///     M x = b,   M = I - γJ,
///
/// with LAPACK through `NewtonMatrixFactorization`: Cholesky (`dpotrf`,
/// `dpotrs`) when M is symmetric positive definite, Bunch–Kaufman
/// (`dsytrf`, `dsytrs`) when it is symmetric indefinite, LU (`dgetrf`,
/// `dgetrs`) when it is not symmetric. SUNDIALS' own `SUNLinSol_Dense` runs
/// an unblocked LU for every matrix.
///
/// The protocol is that of every matrix-based direct solver: CVODE builds M
/// in its matrix and calls `setup` (the factorisation, in place, as
/// `SUNLinSol_Dense` does; CVODE keeps its own copy of J), then `solve` as
/// many times as its setup policy allows, each one a pair of triangular
/// solves with those factors. CVODE rescales the solution when γ has changed
/// since the setup, as for any direct solver.
///
/// The C object is made by `SUNLinSolNewEmpty`; its content is a retained
/// `NewtonMatrixLinearSolver`, released by the `free` operation
/// (`SUNLinSolFree`), after which `SUNLinSolFreeEmpty` frees the object.
final class NewtonMatrixLinearSolver {
    let factorization: NewtonMatrixFactorization
    /// The last setup's result: 0, or the 1-based zero pivot (as
    /// `SUNLinSol_Dense`'s `SUNLinSolLastFlag`).
    var lastFlag: sunindextype = 0

    private init(dimension: Int) {
        factorization = NewtonMatrixFactorization(dimension: dimension)
    }

    /// The `SUNLinearSolver` for `dimension` unknowns in `context`, or nil
    /// if SUNDIALS cannot allocate it.
    static func make(dimension: Int, context: SUNContext) -> SUNLinearSolver? {
        guard let solver = SUNLinSolNewEmpty(context) else { return nil }
        let content = NewtonMatrixLinearSolver(dimension: dimension)
        solver.pointee.content = Unmanaged.passRetained(content).toOpaque()
        let ops = solver.pointee.ops!
        ops.pointee.gettype = NewtonMatrixLinearSolverCallbacks.type
        ops.pointee.getid = NewtonMatrixLinearSolverCallbacks.identifier
        ops.pointee.initialize = NewtonMatrixLinearSolverCallbacks.initialize
        ops.pointee.setup = NewtonMatrixLinearSolverCallbacks.setup
        ops.pointee.solve = NewtonMatrixLinearSolverCallbacks.solve
        ops.pointee.lastflag = NewtonMatrixLinearSolverCallbacks.lastFlag
        ops.pointee.space = NewtonMatrixLinearSolverCallbacks.space
        ops.pointee.free = NewtonMatrixLinearSolverCallbacks.free
        return solver
    }

    /// The Swift object behind a `SUNLinearSolver` made by `make`.
    static func content(of solver: SUNLinearSolver?) -> NewtonMatrixLinearSolver? {
        guard let raw = solver?.pointee.content else { return nil }
        return Unmanaged<NewtonMatrixLinearSolver>.fromOpaque(raw).takeUnretainedValue()
    }
}
