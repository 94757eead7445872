import CSundials

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
