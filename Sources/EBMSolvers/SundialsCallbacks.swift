import CSundials
import EBMLinearAlgebra

// Every `@convention(c)` function SUNDIALS calls back into Swift lives in this
// file: CVODE's in `CVodeCallbacks`, KINSOL's in `KINSOLCallbacks`. Each runs
// its Swift body through `SundialsMemoryOwner.callback`, which recovers the
// owner from `user_data`, stores a thrown error instead of letting it cross
// into C, and answers the solver's protocol. Nothing here can trap: a
// capability is looked up when the owner is built, and a callback whose
// capability is missing is never registered.

/// Every `@convention(c)` function CVODE calls back into Swift. The answers:
///
///  *  0 — success;
///  * +1 — recoverable: the output held a NaN or an infinity; CVODE retries
///         with a smaller step (or a fresh Jacobian);
///  * -1 — unrecoverable: the Swift code threw; CVODE stops.
///
/// The integrator rethrows the stored error inside a `SundialsError` once
/// the C call has returned.
enum CVodeCallbacks {
    /// CVRhsFn: ydot = f(t, y).
    static let rightHandSide: CVRhsFn = { t, y, ydot, userData in
        CVodeIntegrator.callback(userData) { integrator in
            let n = integrator.dimension
            let derivative = mutableEntries(of: ydot, count: n)
            try integrator.system.evaluateRightHandSide(time: t, state: entries(of: y, count: n), derivative: derivative)
            return integrator.report(
                NonFiniteValueError(checking: derivative, quantity: .rightHandSide, argument: .time(t)))
        }
    }

    /// CVLsJacFn: J = ∂f/∂y into the dense matrix CVODE has just zeroed.
    static let denseJacobian: CVLsJacFn = { t, y, fy, matrix, userData, _, _, _ in
        CVodeIntegrator.callback(userData) { integrator in
            let system = try integrator.capability(integrator.denseJacobianSystem, .denseJacobian)
            let n = integrator.dimension
            let jacobian = UnsafeMutableBufferPointer(start: SUNDenseMatrix_Data(matrix), count: n * n)
            try system.evaluateJacobian(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                jacobian: jacobian)
            return integrator.report(
                NonFiniteValueError(checking: jacobian, quantity: .jacobian, argument: .time(t), matrixDimension: n))
        }
    }

    /// CVLsJacTimesSetupFn: called before each linear solve at (t, y).
    static let jacobianVectorSetup: CVLsJacTimesSetupFn = { t, y, fy, userData in
        CVodeIntegrator.callback(userData) { integrator in
            let system = try integrator.capability(integrator.jacobianVectorSystem, .jacobianVectorProduct)
            let n = integrator.dimension
            try system.prepareJacobianVectorProducts(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n))
            return 0
        }
    }

    /// CVLsJacTimesVecFn: Jv = J(t, y) v.
    static let jacobianVectorProduct: CVLsJacTimesVecFn = { v, jv, t, y, fy, userData, _ in
        CVodeIntegrator.callback(userData) { integrator in
            let system = try integrator.capability(integrator.jacobianVectorSystem, .jacobianVectorProduct)
            let n = integrator.dimension
            let product = mutableEntries(of: jv, count: n)
            try system.evaluateJacobianVectorProduct(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                vector: entries(of: v, count: n), product: product)
            return integrator.report(
                NonFiniteValueError(checking: product, quantity: .jacobianVectorProduct, argument: .time(t)))
        }
    }

    /// CVLsPrecSetupFn: builds the preconditioner for I - γJ at (t, y); it
    /// is rebuilt from the system each time, so the Jacobian data are current.
    static let preconditionerSetup: CVLsPrecSetupFn = { t, y, fy, _, jacobianCurrent, gamma, userData in
        CVodeIntegrator.callback(userData) { integrator in
            let system = try integrator.capability(integrator.preconditionedSystem, .preconditioner)
            let n = integrator.dimension
            try system.preparePreconditioner(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n), gamma: gamma)
            jacobianCurrent?.pointee = 1
            return 0
        }
    }

    /// CVLsPrecSolveFn: z = P⁻¹ r.
    static let preconditionerSolve: CVLsPrecSolveFn = { t, y, fy, r, z, gamma, _, _, userData in
        CVodeIntegrator.callback(userData) { integrator in
            let system = try integrator.capability(integrator.preconditionedSystem, .preconditioner)
            let n = integrator.dimension
            let solution = mutableEntries(of: z, count: n)
            try system.solvePreconditioner(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                residual: entries(of: r, count: n), solution: solution, gamma: gamma)
            return integrator.report(
                NonFiniteValueError(checking: solution, quantity: .preconditionerSolve, argument: .time(t)))
        }
    }

    /// CVRootFn: g(t, y). CVODE treats any non-zero return as a failure.
    static let rootFunctions: CVRootFn = { t, y, gout, userData in
        CVodeIntegrator.callback(userData) { integrator in
            guard let roots = integrator.roots else { throw UnregisteredCallbackError(capability: "root functions") }
            let g = UnsafeMutableBufferPointer(start: gout, count: roots.count)
            try roots.evaluate(t, entries(of: y, count: integrator.dimension), g)
            return integrator.report(NonFiniteValueError(checking: g, quantity: .rootFunctions, argument: .time(t)))
        }
    }
}

/// A SUNDIALS callback ran for a capability its owner never registered: a
/// bug of the wrapper, reported as the callback's error rather than a trap
/// inside C.
struct UnregisteredCallbackError: Error, CustomStringConvertible {
    let capability: String
    var description: String { "SUNDIALS called back for \(capability), which this integrator did not register" }
}

extension CVodeIntegrator {
    enum Capability: String {
        case denseJacobian = "a dense Jacobian"
        case jacobianVectorProduct = "Jacobian-vector products"
        case preconditioner = "a preconditioner"
    }

    /// The system seen through the capability a callback needs.
    func capability<System>(_ system: System?, _ capability: Capability) throws -> System {
        guard let system else { throw UnregisteredCallbackError(capability: capability.rawValue) }
        return system
    }
}

/// Every `@convention(c)` function KINSOL calls back into Swift. The answers:
///
///  *  0 — success;
///  * +1 — recoverable: the residual held a NaN or an infinity; KINSOL halves
///         the step and tries again (at most five times);
///  * -1 — unrecoverable: the Swift code threw, returned the wrong number of
///         entries, or the Jacobian is not finite; KINSOL stops.
///
/// After `KINSol` returns, the solver rethrows a thrown error as it is (the
/// caller sees its own error) and turns a non-finite value into a
/// `.diverged` result.
enum KINSOLCallbacks {
    /// KINSysFn: fval = F(u).
    static let residual: KINSysFn = { u, fval, userData in
        KINSOLSolver.callback(userData) { solver in
            let n = solver.dimension
            let x = Array(entries(of: u, count: n))
            solver.residualEvaluations += 1
            let f = try checkedResidual(of: solver.system, at: x)
            _ = mutableEntries(of: fval, count: n).update(from: f)
            if let failure = NonFiniteValueError(checking: f, quantity: .residual, argument: .point(x)) {
                return solver.report(failure)
            }
            solver.lastEvaluation = (x, f)
            return 0
        }
    }

    /// KINLsJacFn: J = ∂F/∂u at u into KINSOL's dense matrix (column-major,
    /// as `Matrix`).
    static let denseJacobian: KINLsJacFn = { u, _, matrix, userData, _, _ in
        KINSOLSolver.callback(userData) { solver in
            let n = solver.dimension
            let x = Array(entries(of: u, count: n))
            solver.jacobianEvaluations += 1
            let jacobian = try checkedJacobian(of: solver.system, at: x)
            if let failure = NonFiniteValueError(
                checking: jacobian.elements, quantity: .jacobian, argument: .point(x), matrixDimension: n)
            {
                return solver.report(failure, recoverable: false)
            }
            _ = UnsafeMutableBufferPointer(start: SUNDenseMatrix_Data(matrix), count: n * n)
                .update(from: jacobian.elements)
            return 0
        }
    }
}

/// F(x), refused if it does not have the system's dimension.
func checkedResidual(of system: any NonlinearSystem, at x: [Double]) throws -> [Double] {
    let f = try system.residual(x)
    guard f.count == system.dimension else {
        throw InvalidArgumentError(
            argument: "NonlinearSystem.residual",
            reason: "returned \(f.count) components, the system has dimension \(system.dimension)")
    }
    return f
}

/// J(x), refused if it is not n × n.
func checkedJacobian(of system: any NonlinearSystem, at x: [Double]) throws -> Matrix {
    let n = system.dimension
    let jacobian = try system.jacobian(x)
    guard jacobian.rows == n, jacobian.columns == n else {
        throw InvalidArgumentError(
            argument: "NonlinearSystem.jacobian",
            reason: "returned a \(jacobian.rows) × \(jacobian.columns) matrix, the system has dimension \(n)")
    }
    return jacobian
}

/// The operations of `NewtonMatrixLinearSolver`, the custom `SUNLinearSolver`
/// (SUNDIALS 6's `SUNLinearSolver_Ops`; the optional ones left NULL are
/// those of a direct solver: no A·v, preconditioner, scaling, iterations or
/// residual). The answers follow `SUNLinSol_Dense`'s: `SUNLS_SUCCESS`,
/// `SUNLS_MEM_NULL` for a missing object, and the recoverable
/// `SUNLS_LUFACT_FAIL` for an exactly singular matrix, after which CVODE
/// retries the step with a smaller one.
enum NewtonMatrixLinearSolverCallbacks {
    static let type: @convention(c) (SUNLinearSolver?) -> SUNLinearSolver_Type = { _ in
        SUNLINEARSOLVER_DIRECT
    }

    static let identifier: @convention(c) (SUNLinearSolver?) -> SUNLinearSolver_ID = { _ in
        SUNLINEARSOLVER_CUSTOM
    }

    static let initialize: @convention(c) (SUNLinearSolver?) -> Int32 = { solver in
        guard let content = NewtonMatrixLinearSolver.content(of: solver) else { return Int32(SUNLS_MEM_NULL) }
        content.lastFlag = 0
        return Int32(SUNLS_SUCCESS)
    }

    /// Factors M = I - γJ in place in the dense matrix.
    static let setup: @convention(c) (SUNLinearSolver?, SUNMatrix?) -> Int32 = { solver, matrix in
        guard let content = NewtonMatrixLinearSolver.content(of: solver), let matrix,
            let data = SUNDenseMatrix_Data(matrix)
        else { return Int32(SUNLS_MEM_NULL) }
        let n = content.factorization.dimension
        guard SUNDenseMatrix_Rows(matrix) == n, SUNDenseMatrix_Columns(matrix) == n else {
            return Int32(SUNLS_ILL_INPUT)
        }
        do {
            try content.factorization.factor(data)
            content.lastFlag = 0
            return Int32(SUNLS_SUCCESS)
        } catch let singular as NewtonMatrixFactorization.SingularMatrix {
            content.lastFlag = sunindextype(singular.pivot)
            return Int32(SUNLS_LUFACT_FAIL)
        } catch {
            return Int32(SUNLS_PACKAGE_FAIL_UNREC)
        }
    }

    /// x = M⁻¹ b with the factors left in the matrix by `setup`.
    static let solve: @convention(c) (SUNLinearSolver?, SUNMatrix?, N_Vector?, N_Vector?, realtype) -> Int32 = {
        solver, matrix, x, b, _ in
        guard let raw = solver?.pointee.content, let matrix, let factors = SUNDenseMatrix_Data(matrix), let x, let b,
            let xData = N_VGetArrayPointer(x)
        else { return Int32(SUNLS_MEM_NULL) }
        // Called once per Newton iteration: the solver object is borrowed
        // (the SUNLinearSolver holds it), not retained and released.
        return Unmanaged<NewtonMatrixLinearSolver>.fromOpaque(raw)._withUnsafeGuaranteedRef { content in
            guard content.factorization.kind != nil else { return Int32(SUNLS_MEM_NULL) }
            N_VScale(1, b, x)
            content.factorization.solve(factors: factors, xData)
            return Int32(SUNLS_SUCCESS)
        }
    }

    static let lastFlag: @convention(c) (SUNLinearSolver?) -> sunindextype = { solver in
        NewtonMatrixLinearSolver.content(of: solver)?.lastFlag ?? 0
    }

    /// Workspace in reals and integers: LAPACK's pivots and the saved
    /// diagonal (its dsytrf workspace is of the same order).
    static let space: @convention(c) (SUNLinearSolver?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?)
        -> Int32 = { solver, real, integer in
            guard let content = NewtonMatrixLinearSolver.content(of: solver) else { return Int32(SUNLS_MEM_NULL) }
            real?.pointee = content.factorization.dimension
            integer?.pointee = content.factorization.dimension
            return Int32(SUNLS_SUCCESS)
        }

    static let free: @convention(c) (SUNLinearSolver?) -> Int32 = { solver in
        guard let solver else { return Int32(SUNLS_SUCCESS) }
        if let raw = solver.pointee.content {
            Unmanaged<NewtonMatrixLinearSolver>.fromOpaque(raw).release()
            solver.pointee.content = nil
        }
        SUNLinSolFreeEmpty(solver)
        return Int32(SUNLS_SUCCESS)
    }
}
