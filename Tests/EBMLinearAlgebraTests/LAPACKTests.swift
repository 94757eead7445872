import EBMLinearAlgebra
import Foundation
import Testing

/// The BLAS/LAPACK wrappers against answers known in closed form, and
/// residuals of what they return.
@Suite("BLAS and LAPACK wrappers")
struct LAPACKTests {
    /// 1-D Laplacian tridiag(-1, 2, -1) of order n: eigenvalues
    /// 2 - 2 cos(kπ / (n + 1)), k = 1...n.
    static func laplacian(_ n: Int) -> Matrix {
        var a = Matrix(rows: n, columns: n)
        for i in 0..<n {
            a.elements[i + i * n] = 2
            if i + 1 < n {
                a.elements[(i + 1) + i * n] = -1
                a.elements[i + (i + 1) * n] = -1
            }
        }
        return a
    }

    @Test("matrix products (dgemm, dgemv) match the hand-computed ones")
    func products() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        #expect(BLAS.multiply(a, b) == Matrix([[58, 64], [139, 154]]))
        #expect(BLAS.multiply(a, a, transposeB: true) == Matrix([[14, 32], [32, 77]]))
        #expect(BLAS.multiply(a, [1, 0, -1]) == [-2, -2])
        #expect(BLAS.multiply(a, [1, 1], transpose: true) == [5, 7, 9])
        #expect(Vector.dot([1, 2, 3], [4, -5, 6]) == 12)
        #expect(Vector.norm([3, 4]) == 5)
        #expect(Vector.maxAbs([1, -7, 3]) == 7)
    }

    @Test("dgesv solves a 3 × 3 system with a known solution; the residual is at rounding level")
    func smallSolve() throws {
        let a = Matrix([[4, -2, 1], [-2, 4, -2], [1, -2, 4]])
        let exact = [1.0, -2, 3]
        let b = BLAS.multiply(a, exact)
        #expect(b == [11, -16, 17])
        let x = try LAPACK.solve(a, b)
        for (xi, ei) in zip(x, exact) { #expect(abs(xi - ei) <= 1e-14) }
        let residual = Vector.difference(BLAS.multiply(a, x), b)
        #expect(Vector.maxAbs(residual) <= 1e-13)
        // Two right-hand sides at once.
        let both = try LAPACK.solve(a, Matrix(rows: 3, columns: 2, columnMajor: b + [4.5, -3, 3]))
        for (xi, ei) in zip(both.column(1), [1.0, 0, 0.5]) { #expect(abs(xi - ei) <= 1e-14) }
    }

    @Test("an exactly singular matrix is refused by dgesv and has determinant sign 0")
    func singular() throws {
        let a = Matrix([[1, 2], [2, 4]])
        #expect(throws: LAPACKError.self) { try LAPACK.solve(a, [1, 1]) }
        let lu = try LAPACK.luFactorization(a)
        #expect(lu.isExactlySingular && lu.determinantSign == 0)
        #expect(throws: LAPACKError.self) { try lu.solve([1, 1]) }
    }

    @Test("LU: determinant sign and log|det| of a matrix with det = -6")
    func luDeterminant() throws {
        // det [[0, 2, 0], [1, 0, 0], [0, 0, 3]] = -(2 · 1 · 3) = -6 (one row swap).
        let a = Matrix([[0, 2, 0], [1, 0, 0], [0, 0, 3]])
        let lu = try LAPACK.luFactorization(a)
        #expect(lu.determinantSign == -1)
        #expect(abs(lu.logAbsoluteDeterminant - log(6)) <= 1e-15)
        let x = try lu.solve([4, 1, 9])
        #expect(x == [1, 2, 3])
    }

    @Test("dsyevd: the spectrum of the 1-D Laplacian, orthonormal eigenvectors, A v = λ v")
    func laplacianSpectrum() throws {
        let n = 8
        let a = Self.laplacian(n)
        let known = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }
        let decomposition = try LAPACK.symmetricEigen(a)
        for (value, exact) in zip(decomposition.values, known) { #expect(abs(value - exact) <= 1e-14) }
        #expect(try LAPACK.symmetricEigenvalues(a).elementsEqual(decomposition.values) { abs($0 - $1) <= 1e-14 })
        let v = decomposition.vectors
        let gram = BLAS.multiply(v, v, transposeA: true)
        for i in 0..<n {
            for j in 0..<n { #expect(abs(gram[i, j] - (i == j ? 1 : 0)) <= 1e-14) }
            let column = v.column(i)
            let residual = Vector.difference(BLAS.multiply(a, column), column.map { $0 * decomposition.values[i] })
            #expect(Vector.maxAbs(residual) <= 1e-14)
        }
    }

    @Test("dgesdd: singular values of a rank-2 matrix, U diag(σ) Vᵀ = A, and the rank")
    func singularValues() throws {
        // A = u₁ σ₁ v₁ᵀ + u₂ σ₂ v₂ᵀ with orthonormal u, v: σ = (5, 2, 0).
        let s = 1 / 2.0.squareRoot()
        let u1 = [s, s, 0], u2 = [s, -s, 0]
        let v1 = [0.0, 0, 1], v2 = [0.6, 0.8, 0]
        var a = Matrix(rows: 3, columns: 3)
        for i in 0..<3 {
            for j in 0..<3 { a.elements[i + 3 * j] = 5 * u1[i] * v1[j] + 2 * u2[i] * v2[j] }
        }
        let values = try LAPACK.singularValues(a)
        for (value, exact) in zip(values, [5.0, 2, 0]) { #expect(abs(value - exact) <= 1e-14) }
        #expect(try LAPACK.rank(a) == 2)
        let svd = try LAPACK.singularValueDecomposition(a)
        var rebuilt = Matrix(rows: 3, columns: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                rebuilt.elements[i + 3 * j] = (0..<svd.values.count).reduce(0) { $0 + svd.u[i, $1] * svd.values[$1] * svd.vt[$1, j] }
            }
        }
        #expect(Vector.maxAbs(Vector.difference(rebuilt.elements, a.elements)) <= 1e-14)
    }
}
