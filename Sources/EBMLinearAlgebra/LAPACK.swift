import CLapack

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
