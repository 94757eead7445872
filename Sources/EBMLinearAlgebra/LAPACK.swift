import CLapack
import Foundation

/// A LAPACK routine reported failure (`info != 0`).
public struct LAPACKError: Error, CustomStringConvertible, Equatable {
    public let routine: String
    public let info: Int
    public var description: String {
        if info < 0 { return "\(routine): argument \(-info) had an illegal value" }
        switch routine {
        case "dgesv", "dgetrf": return "\(routine): the matrix is exactly singular (U[\(info),\(info)] = 0); no unique solution"
        case "dsyevd": return "\(routine): the eigenvalue iteration failed to converge (info = \(info))"
        case "dgesdd": return "\(routine): the SVD iteration failed to converge (info = \(info))"
        default: return "\(routine) failed with info = \(info)"
        }
    }
}

/// Eigenvalues (ascending) and orthonormal eigenvectors (the columns of
/// `vectors`) of a real symmetric matrix.
public struct SymmetricEigendecomposition: Sendable {
    public let values: [Double]
    public let vectors: Matrix
}

/// A = U diag(σ) Vᵀ with σ descending: the thin singular value
/// decomposition of an m × n matrix, k = min(m, n) (see
/// `LAPACK.singularValueDecomposition`).
public struct SingularValueDecomposition: Sendable {
    /// m × k, orthonormal columns (left singular vectors).
    public let u: Matrix
    /// σ₁ ≥ … ≥ σ_k ≥ 0.
    public let values: [Double]
    /// k × n, orthonormal rows (right singular vectors, transposed).
    public let vt: Matrix
}

public enum LAPACK {
    /// A = V diag(λ) Vᵀ for symmetric A (LAPACKE_dsyevd, divide and conquer).
    /// Only the lower triangle of `a` is read. Cost O(n³).
    public static func symmetricEigen(_ a: Matrix) throws -> SymmetricEigendecomposition {
        _ = BLAS.singleThreaded
        precondition(a.rows == a.columns, "symmetricEigen needs a square matrix")
        let n = a.rows
        if n == 0 { return SymmetricEigendecomposition(values: [], vectors: a) }
        var work = a.elements
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")),
                                  Int32(n), &work, Int32(n), &w)
        if info != 0 { throw LAPACKError(routine: "dsyevd", info: Int(info)) }
        return SymmetricEigendecomposition(values: w, vectors: Matrix(rows: n, columns: n, columnMajor: work))
    }

    /// Eigenvalues only, ascending (LAPACKE_dsyevd with jobz = N).
    public static func symmetricEigenvalues(_ a: Matrix) throws -> [Double] {
        _ = BLAS.singleThreaded
        precondition(a.rows == a.columns)
        let n = a.rows
        if n == 0 { return [] }
        var work = a.elements
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "L")),
                                  Int32(n), &work, Int32(n), &w)
        if info != 0 { throw LAPACKError(routine: "dsyevd", info: Int(info)) }
        return w
    }

    /// Solves A X = B by LU with partial pivoting (LAPACKE_dgesv).
    public static func solve(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        _ = BLAS.singleThreaded
        precondition(a.rows == a.columns && b.rows == a.rows, "solve: dimensions do not match")
        let n = a.rows
        if n == 0 { return b }
        var lu = a.elements
        var x = b.elements
        var pivots = [Int32](repeating: 0, count: n)
        let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, Int32(n), Int32(b.columns), &lu, Int32(n), &pivots, &x, Int32(n))
        if info != 0 { throw LAPACKError(routine: "dgesv", info: Int(info)) }
        return Matrix(rows: n, columns: b.columns, columnMajor: x)
    }

    public static func solve(_ a: Matrix, _ b: [Double]) throws -> [Double] {
        try solve(a, Matrix(rows: b.count, columns: 1, columnMajor: b)).elements
    }

    /// Singular values, descending (LAPACKE_dgesdd, no vectors).
    public static func singularValues(_ a: Matrix) throws -> [Double] {
        _ = BLAS.singleThreaded
        let m = a.rows, n = a.columns
        if m == 0 || n == 0 { return [] }
        var work = a.elements
        var s = [Double](repeating: 0, count: min(m, n))
        var dummyU = [Double](repeating: 0, count: 1)
        var dummyVT = [Double](repeating: 0, count: 1)
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(m), Int32(n), &work, Int32(m),
                                  &s, &dummyU, 1, &dummyVT, 1)
        if info != 0 { throw LAPACKError(routine: "dgesdd", info: Int(info)) }
        return s
    }

    /// A = U diag(σ) Vᵀ, the thin SVD (LAPACKE_dgesdd with jobz = S, divide
    /// and conquer): for an m × n matrix and k = min(m, n), `u` is m × k,
    /// `vt` is k × n, both with orthonormal rows/columns, and `values` holds
    /// σ₁ ≥ … ≥ σ_k ≥ 0. Cost O(m n k).
    public static func singularValueDecomposition(_ a: Matrix) throws -> SingularValueDecomposition {
        _ = BLAS.singleThreaded
        let m = a.rows, n = a.columns, k = min(m, n)
        if k == 0 {
            return SingularValueDecomposition(
                u: Matrix(rows: m, columns: 0), values: [], vt: Matrix(rows: 0, columns: n))
        }
        var work = a.elements
        var s = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: m * k)
        var vt = [Double](repeating: 0, count: k * n)
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(m),
                                  &s, &u, Int32(m), &vt, Int32(k))
        if info != 0 { throw LAPACKError(routine: "dgesdd", info: Int(info)) }
        return SingularValueDecomposition(
            u: Matrix(rows: m, columns: k, columnMajor: u), values: s,
            vt: Matrix(rows: k, columns: n, columnMajor: vt))
    }

    /// Numerical rank: the number of singular values above
    /// `relativeTolerance * σ_max` (default: max(m, n) * machine epsilon, as
    /// numpy's matrix_rank).
    public static func rank(_ a: Matrix, relativeTolerance: Double? = nil) throws -> Int {
        let s = try singularValues(a)
        guard let top = s.first, top > 0 else { return 0 }
        let tol = (relativeTolerance ?? Double(max(a.rows, a.columns)) * Double.ulpOfOne) * top
        return s.filter { $0 > tol }.count
    }
}

/// P A = L U with partial pivoting (LAPACKE_dgetrf): the factors of a square
/// matrix, its determinant's sign and log-magnitude, and solves with them.
/// An exactly singular A (a zero pivot, `dgetrf` info > 0) is a valid
/// factorisation here: its determinant sign is 0 and `solve` refuses it.
public struct LUFactorization: Sendable {
    /// L (unit lower, not stored on the diagonal) and U, packed column-major.
    public let factors: Matrix
    /// 1-based row interchanges: row i was swapped with row `pivots[i]`.
    public let pivots: [Int32]
    /// Whether U has an exactly zero diagonal entry.
    public let isExactlySingular: Bool

    /// sign(det A) ∈ {-1, 0, +1}: the parity of the row swaps times the signs
    /// of U's diagonal. O(n).
    public var determinantSign: Int {
        if isExactlySingular { return 0 }
        var sign = 1
        for i in 0..<factors.rows {
            if pivots[i] != Int32(i + 1) { sign = -sign }
            if factors[i, i] < 0 { sign = -sign }
        }
        return sign
    }

    /// log|det A| = Σ log|U_ii| (-∞ when singular); no overflow for large n.
    public var logAbsoluteDeterminant: Double {
        var sum = 0.0
        for i in 0..<factors.rows { sum += Foundation.log(abs(factors[i, i])) }
        return sum
    }

    /// Solves A x = b with the stored factors (LAPACKE_dgetrs). O(n²).
    public func solve(_ b: [Double]) throws -> [Double] {
        let n = factors.rows
        precondition(b.count == n, "solve: the right-hand side has \(b.count) entries, expected \(n)")
        if n == 0 { return b }
        if isExactlySingular {
            let k = (0..<n).first { factors[$0, $0] == 0 } ?? 0
            throw LAPACKError(routine: "dgetrf", info: k + 1)
        }
        var x = b
        let info = factors.elements.withUnsafeBufferPointer { a in
            LAPACKE_dgetrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), 1, a.baseAddress!, Int32(n),
                           pivots, &x, Int32(n))
        }
        if info != 0 { throw LAPACKError(routine: "dgetrs", info: Int(info)) }
        return x
    }
}

extension LAPACK {
    /// P A = L U for square A (LAPACKE_dgetrf). O(n³). Throws only for an
    /// illegal argument; a zero pivot is reported by `isExactlySingular`.
    public static func luFactorization(_ a: Matrix) throws -> LUFactorization {
        _ = BLAS.singleThreaded
        precondition(a.rows == a.columns, "luFactorization needs a square matrix")
        let n = a.rows
        if n == 0 { return LUFactorization(factors: a, pivots: [], isExactlySingular: false) }
        var lu = a.elements
        var pivots = [Int32](repeating: 0, count: n)
        let info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, Int32(n), Int32(n), &lu, Int32(n), &pivots)
        if info < 0 { throw LAPACKError(routine: "dgetrf", info: Int(info)) }
        return LUFactorization(factors: Matrix(rows: n, columns: n, columnMajor: lu), pivots: pivots,
                               isExactlySingular: info > 0)
    }

    /// sign(det A) ∈ {-1, 0, +1} from an LU factorisation (LAPACKE_dgetrf).
    public static func determinantSign(_ a: Matrix) throws -> Int {
        try luFactorization(a).determinantSign
    }
}
