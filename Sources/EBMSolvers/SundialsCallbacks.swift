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
