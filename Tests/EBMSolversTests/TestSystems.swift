import EBMLinearAlgebra
import EBMSolvers
import Foundation

/// Robertson's chemical kinetics, exactly as SUNDIALS' `cvRoberts_dns.c`
/// writes it (same operation order, so the same rounding):
///
///     y1' = -0.04 y1 + 1e4 y2 y3
///     y2' =  0.04 y1 - 1e4 y2 y3 - 3e7 y2²
///     y3' =  3e7 y2²
final class RobertsKinetics: DenseJacobianODESystem {
    let dimension = 3
    let analyticJacobian: Bool

    init(analyticJacobian: Bool = true) {
        self.analyticJacobian = analyticJacobian
    }

    var providesDenseJacobian: Bool { analyticJacobian }

    func evaluateRightHandSide(
        time: Double, state y: UnsafeBufferPointer<Double>, derivative ydot: UnsafeMutableBufferPointer<Double>
    ) {
        let yd1 = -0.04 * y[0] + 1.0e4 * y[1] * y[2]
        let yd3 = 3.0e7 * y[1] * y[1]
        ydot[0] = yd1
        ydot[2] = yd3
        ydot[1] = -yd1 - yd3
    }

    func evaluateJacobian(
        time: Double, state y: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        func set(_ i: Int, _ j: Int, _ value: Double) { jacobian[i + 3 * j] = value }
        set(0, 0, -0.04)
        set(0, 1, 1.0e4 * y[2])
        set(0, 2, 1.0e4 * y[1])
        set(1, 0, 0.04)
        set(1, 1, -1.0e4 * y[2] - 6.0e7 * y[1])
        set(1, 2, -1.0e4 * y[1])
        set(2, 1, 6.0e7 * y[1])
    }

    /// g = (y1 - 1e-4, y3 - 0.01), the example's two events.
    static var roots: RootFunctions {
        RootFunctions(count: 2) { _, y, g in
            g[0] = y[0] - 0.0001
            g[1] = y[2] - 0.01
        }
    }

    /// The example's tolerances: rtol 1e-4, atol (1e-8, 1e-14, 1e-6); CVODE's
    /// default of 500 steps per output. The example factors with
    /// `SUNLinSol_Dense`, hence `.cvodeDense` by default: the same rounding,
    /// the same output.
    static func method(maxSteps: Int = 500, linearSolver: LinearSolverChoice = .cvodeDense) throws -> BDF {
        try BDF(relativeTolerance: 1.0e-4, absoluteTolerance: .vector([1.0e-8, 1.0e-14, 1.0e-6]), maxSteps: maxSteps,
                linearSolver: linearSolver)
    }
}

/// y' = A y for a constant symmetric A, whose solution is
/// y(t) = V exp(Λ t) Vᵀ y₀ with A = V Λ Vᵀ.
final class LinearSystem: DenseJacobianODESystem, JacobianVectorProductODESystem {
    let matrix: Matrix
    let jacobianVectorProduct: Bool
    private(set) var preparations = 0

    init(matrix: Matrix, jacobianVectorProduct: Bool) {
        self.matrix = matrix
        self.jacobianVectorProduct = jacobianVectorProduct
    }

    var dimension: Int { matrix.rows }
    var providesDenseJacobian: Bool { true }
    var providesJacobianVectorProduct: Bool { jacobianVectorProduct }

    func evaluateRightHandSide(
        time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>
    ) {
        multiply(state, into: derivative)
    }

    func evaluateJacobian(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        _ = jacobian.update(from: matrix.elements)
    }

    func prepareJacobianVectorProducts(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>
    ) {
        preparations += 1
    }

    func evaluateJacobianVectorProduct(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        vector: UnsafeBufferPointer<Double>, product: UnsafeMutableBufferPointer<Double>
    ) {
        multiply(vector, into: product)
    }

    private func multiply(_ x: UnsafeBufferPointer<Double>, into result: UnsafeMutableBufferPointer<Double>) {
        let n = dimension
        for i in 0..<n {
            var sum = 0.0
            for j in 0..<n { sum += matrix[i, j] * x[j] }
            result[i] = sum
        }
    }

    /// A = H diag(-1e-2, -1, -1e3) H with the Householder reflection
    /// H = I - 2uuᵀ/uᵀu, u = (1, 2, 3): symmetric negative definite, with a
    /// stiffness ratio of 1e5 and no zero entries.
    static let stiffMatrix: Matrix = reflected(eigenvalues: [-1.0e-2, -1.0, -1.0e3])

    /// H diag(`eigenvalues`) H with the Householder reflection of
    /// `stiffMatrix`, exactly symmetric.
    static func reflected(eigenvalues: [Double]) -> Matrix {
        let u = [1.0, 2.0, 3.0]
        let uu = u.reduce(0) { $0 + $1 * $1 }
        var h = Matrix.identity(3)
        for i in 0..<3 { for j in 0..<3 { h[i, j] -= 2 * u[i] * u[j] / uu } }
        var lambda = Matrix(rows: 3, columns: 3)
        for (i, value) in eigenvalues.enumerated() { lambda[i, i] = value }
        var a = BLAS.multiply(BLAS.multiply(h, lambda), h)
        // Exactly symmetric, whatever the rounding of the products.
        for i in 0..<3 { for j in 0..<i { a[i, j] = a[j, i] } }
        return a
    }

    /// exp(A t) y₀ through A = V Λ Vᵀ (LAPACK dsyevd).
    static func exactSolution(_ a: Matrix, _ y0: [Double], at t: Double) throws -> [Double] {
        let eigen = try LAPACK.symmetricEigen(a)
        var coordinates = BLAS.multiply(eigen.vectors, y0, transpose: true)
        for i in coordinates.indices { coordinates[i] *= exp(eigen.values[i] * t) }
        return BLAS.multiply(eigen.vectors, coordinates)
    }
}
