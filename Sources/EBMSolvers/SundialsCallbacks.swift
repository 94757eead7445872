import CSundials
import EBMLinearAlgebra

// Every `@convention(c)` function SUNDIALS calls back into Swift lives in this
// file: CVODE's in `CVodeCallbacks`, KINSOL's in `KINSOLCallbacks`.

/// Every `@convention(c)` function CVODE calls back into Swift.
///
/// Each recovers its `CVodeIntegrator` from `user_data`, calls the user's
/// Swift code, and never lets a Swift error cross into C: it stores the error
/// in `integrator.callbackError` (the wrapper rethrows it inside a
/// `CVodeError` once the C call has returned) and answers CVODE's protocol:
///
///  *  0 — success;
///  * +1 — recoverable: the output held a NaN or an infinity; CVODE retries
///         with a smaller step (or a fresh Jacobian);
///  * -1 — unrecoverable: the Swift code threw; CVODE stops.
enum CVodeCallbacks {
    /// CVRhsFn: ydot = f(t, y).
    static let rightHandSide: CVRhsFn = { t, y, ydot, userData in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        let derivative = mutableEntries(of: ydot, count: n)
        do {
            try integrator.system.evaluateRightHandSide(
                time: t, state: entries(of: y, count: n), derivative: derivative)
        } catch {
            integrator.callbackError = error
            return -1
        }
        return validated(UnsafeBufferPointer(derivative), .rightHandSide, t, integrator)
    }

    /// CVLsJacFn: J = ∂f/∂y into the dense matrix CVODE has just zeroed.
    static let denseJacobian: CVLsJacFn = { t, y, fy, matrix, userData, _, _, _ in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        let jacobian = UnsafeMutableBufferPointer(start: SUNDenseMatrix_Data(matrix), count: n * n)
        do {
            try integrator.system.evaluateJacobian(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                jacobian: jacobian)
        } catch {
            integrator.callbackError = error
            return -1
        }
        if let k = jacobian.firstIndex(where: { !$0.isFinite }) {
            integrator.callbackError = NonFiniteValueError(
                quantity: .jacobian, location: .entry(row: k % n, column: k / n), value: jacobian[k], time: t)
            return 1
        }
        return 0
    }

    /// CVLsJacTimesSetupFn: called before each linear solve at (t, y).
    static let jacobianVectorSetup: CVLsJacTimesSetupFn = { t, y, fy, userData in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        do {
            try integrator.system.prepareJacobianVectorProducts(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n))
        } catch {
            integrator.callbackError = error
            return -1
        }
        return 0
    }

    /// CVLsJacTimesVecFn: Jv = J(t, y) v.
    static let jacobianVectorProduct: CVLsJacTimesVecFn = { v, jv, t, y, fy, userData, _ in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        let product = mutableEntries(of: jv, count: n)
        do {
            try integrator.system.evaluateJacobianVectorProduct(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                vector: entries(of: v, count: n), product: product)
        } catch {
            integrator.callbackError = error
            return -1
        }
        return validated(UnsafeBufferPointer(product), .jacobianVectorProduct, t, integrator)
    }

    /// CVLsPrecSetupFn: builds the preconditioner for I - γJ at (t, y); it
    /// is rebuilt from the system each time, so the Jacobian data are current.
    static let preconditionerSetup: CVLsPrecSetupFn = { t, y, fy, _, jacobianCurrent, gamma, userData in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        do {
            try integrator.system.preparePreconditioner(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n), gamma: gamma)
        } catch {
            integrator.callbackError = error
            return -1
        }
        jacobianCurrent?.pointee = 1
        return 0
    }

    /// CVLsPrecSolveFn: z = P⁻¹ r.
    static let preconditionerSolve: CVLsPrecSolveFn = { t, y, fy, r, z, gamma, _, _, userData in
        let integrator = CVodeIntegrator.recovered(from: userData)
        let n = integrator.dimension
        let solution = mutableEntries(of: z, count: n)
        do {
            try integrator.system.solvePreconditioner(
                time: t, state: entries(of: y, count: n), rightHandSide: entries(of: fy, count: n),
                residual: entries(of: r, count: n), solution: solution, gamma: gamma)
        } catch {
            integrator.callbackError = error
            return -1
        }
        return validated(UnsafeBufferPointer(solution), .jacobianVectorProduct, t, integrator)
    }

    /// CVRootFn: g(t, y). CVODE treats any non-zero return as a failure.
    static let rootFunctions: CVRootFn = { t, y, gout, userData in
        let integrator = CVodeIntegrator.recovered(from: userData)
        guard let roots = integrator.roots else { return -1 }
        let g = UnsafeMutableBufferPointer(start: gout, count: roots.count)
        do {
            try roots.evaluate(t, entries(of: y, count: integrator.dimension), g)
        } catch {
            integrator.callbackError = error
            return -1
        }
        return validated(UnsafeBufferPointer(g), .rootFunctions, t, integrator)
    }

    /// 0 if every value is finite; otherwise stores an error naming the first
    /// bad component and returns +1.
    private static func validated(
        _ values: UnsafeBufferPointer<Double>, _ quantity: NonFiniteValueError.Quantity, _ t: Double,
        _ integrator: CVodeIntegrator
    ) -> Int32 {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return 0 }
        integrator.callbackError = NonFiniteValueError(
            quantity: quantity, location: .component(i), value: values[i], time: t)
        return 1
    }
}

extension CVodeIntegrator {
    /// The integrator registered as `user_data` (unretained: it owns the
    /// CVODE memory, so it outlives every callback).
    static func recovered(from userData: UnsafeMutableRawPointer?) -> CVodeIntegrator {
        Unmanaged<CVodeIntegrator>.fromOpaque(userData!).takeUnretainedValue()
    }
}

/// Every `@convention(c)` function KINSOL calls back into Swift.
///
/// Each recovers its `KINSOLSolver` from `user_data`, calls the system's
/// Swift code, and never lets a Swift error cross into C: it stores the error
/// in `solver.callbackError` and answers KINSOL's protocol:
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
        let solver = KINSOLSolver.recovered(from: userData)
        let n = solver.dimension
        let x = Array(entries(of: u, count: n))
        solver.residualEvaluations += 1
        let f: [Double]
        do {
            f = try solver.system.residual(x)
        } catch {
            solver.callbackError = error
            return -1
        }
        guard f.count == n else {
            solver.callbackError = InvalidArgumentError(
                argument: "NonlinearSystem.residual",
                reason: "returned \(f.count) components, the system has dimension \(n)")
            return -1
        }
        _ = mutableEntries(of: fval, count: n).update(from: f)
        if let i = f.firstIndex(where: { !$0.isFinite }) {
            solver.callbackError = NonFiniteResidualError(
                quantity: .residual, location: .component(i), value: f[i], point: x)
            return 1
        }
        solver.lastEvaluation = (x, f)
        return 0
    }

    /// KINLsJacFn: J = ∂F/∂u at u into KINSOL's dense matrix (column-major,
    /// as `Matrix`).
    static let denseJacobian: KINLsJacFn = { u, _, matrix, userData, _, _ in
        let solver = KINSOLSolver.recovered(from: userData)
        let n = solver.dimension
        let x = Array(entries(of: u, count: n))
        solver.jacobianEvaluations += 1
        let jacobian: Matrix
        do {
            jacobian = try solver.system.jacobian(x)
        } catch {
            solver.callbackError = error
            return -1
        }
        guard jacobian.rows == n, jacobian.columns == n else {
            solver.callbackError = InvalidArgumentError(
                argument: "NonlinearSystem.jacobian",
                reason: "returned a \(jacobian.rows) × \(jacobian.columns) matrix, the system has dimension \(n)")
            return -1
        }
        if let k = jacobian.elements.firstIndex(where: { !$0.isFinite }) {
            solver.callbackError = NonFiniteResidualError(
                quantity: .jacobian, location: .entry(row: k % n, column: k / n), value: jacobian.elements[k],
                point: x)
            return -1
        }
        _ = UnsafeMutableBufferPointer(start: SUNDenseMatrix_Data(matrix), count: n * n)
            .update(from: jacobian.elements)
        return 0
    }
}

extension KINSOLSolver {
    /// The solver registered as `user_data` (unretained: it owns the KINSOL
    /// memory, so it outlives every callback).
    static func recovered(from userData: UnsafeMutableRawPointer?) -> KINSOLSolver {
        Unmanaged<KINSOLSolver>.fromOpaque(userData!).takeUnretainedValue()
    }
}
