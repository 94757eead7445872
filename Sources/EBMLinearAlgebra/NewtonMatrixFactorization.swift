import CLapack

/// M x = b for the Newton matrices `M = I - γJ` of an implicit integrator,
/// factored once and solved many times, in place and without allocation.
///
/// A symmetric M (the gradient flow's, where `J = -∇²L`) is factored by
/// LAPACK's Cholesky `M = L Lᵀ` (`dpotrf`, n³/3 flops) when it is positive
/// definite, and by Bunch–Kaufman `M = L D Lᵀ` with 1×1 and 2×2 pivots
/// (`dsytrf`, also n³/3) when `dpotrf` meets a non-positive pivot; any other
/// M by LU with partial pivoting (`dgetrf`, 2n³/3). All three are LAPACK's
/// blocked algorithms. Symmetric means
///
///     max_ij |M_ij - M_ji| ≤ `symmetryTolerance` · max_ij |M_ij|,
///
/// checked in O(n²) on every factorisation; a symmetric factorisation reads
/// the lower triangle only. Difference-quotient Jacobians are not symmetric
/// and are factored by LU.
///
/// Only the lower triangle and the diagonal of `M` are overwritten by
/// `dpotrf`, so when it fails the matrix is restored from its strict upper
/// triangle and a saved copy of the diagonal before `dsytrf` runs.
///
/// One instance holds the pivots and LAPACK's workspace for one dimension;
/// it is not thread-safe.
public final class NewtonMatrixFactorization {
    /// Which factorisation the last `factor` made.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case cholesky
        case bunchKaufman = "bunch-kaufman"
        case lu
    }

    /// Why `factor` failed: an exactly zero pivot of D (Bunch–Kaufman) or U
    /// (LU), 1-based as LAPACK's `info`.
    public struct SingularMatrix: Error, Equatable, CustomStringConvertible {
        public let kind: Kind
        public let pivot: Int
        public init(kind: Kind, pivot: Int) {
            self.kind = kind
            self.pivot = pivot
        }

        public var description: String {
            "the Newton matrix is exactly singular (\(kind.rawValue) factorisation, pivot \(pivot))"
        }
    }

    /// Relative asymmetry below which M counts as symmetric: a few rounding
    /// errors of an entry, far below any real asymmetry of a Jacobian.
    public static let symmetryTolerance = 64 * Double.ulpOfOne

    /// n.
    public let dimension: Int
    /// Factorisations of each kind so far.
    public private(set) var counts: [Kind: Int] = [:]
    /// The kind of the current factors; nil before the first success.
    public private(set) var kind: Kind?

    private let pivots: UnsafeMutablePointer<Int32>
    private let diagonal: UnsafeMutablePointer<Double>
    private let work: UnsafeMutablePointer<Double>
    private let workCount: Int

    public init(dimension n: Int) {
        _ = BLAS.singleThreaded
        precondition(n >= 1, "NewtonMatrixFactorization needs a dimension of at least 1")
        dimension = n
        pivots = .allocate(capacity: n)
        pivots.initialize(repeating: 0, count: n)
        diagonal = .allocate(capacity: n)
        diagonal.initialize(repeating: 0, count: n)
        // dsytrf's optimal workspace for this n (a workspace query: lwork = -1).
        var query = 0.0
        var probe = 0.0
        var pivot: Int32 = 0
        _ = LAPACKE_dsytrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), &probe, Int32(n), &pivot,
                                &query, -1)
        workCount = max(Int(query), n)
        work = .allocate(capacity: workCount)
        work.initialize(repeating: 0, count: workCount)
    }

    deinit {
        pivots.deallocate()
        diagonal.deallocate()
        work.deallocate()
    }

    /// max |M_ij - M_ji| ≤ `symmetryTolerance` · max |M_ij| for the n × n
    /// column-major `m`. O(n²). The asymmetry is taken four lanes at a time
    /// as `Vector.maxAbs` takes the largest entry (a maximum does not depend
    /// on the order it is taken in, and a NaN is passed over in any order),
    /// so neither loop is one chain of dependent comparisons.
    public static func isSymmetric(_ m: UnsafePointer<Double>, dimension n: Int) -> Bool {
        let largest = Vector.maxAbs(UnsafeBufferPointer(start: m, count: n * n))
        var asymmetry = SIMD4<Double>()
        for j in 0..<n {
            let lower = m + j * n, upper = m + j
            var i = j + 1
            while i + 4 <= n {
                let d = SIMD4(abs(lower[i] - upper[i * n]), abs(lower[i + 1] - upper[(i + 1) * n]),
                              abs(lower[i + 2] - upper[(i + 2) * n]), abs(lower[i + 3] - upper[(i + 3) * n]))
                asymmetry.replace(with: d, where: d .> asymmetry)
                i += 4
            }
            while i < n {
                let d = SIMD4(abs(lower[i] - upper[i * n]), 0, 0, 0)
                asymmetry.replace(with: d, where: d .> asymmetry)
                i += 1
            }
        }
        return asymmetry.max() <= symmetryTolerance * largest
    }

    /// Factors the n × n column-major `m` in place (its contents become the
    /// factors `solve` uses) and returns which factorisation it made.
    ///
    /// - Throws: `SingularMatrix` for an exactly zero pivot; the matrix is
    ///   then unusable until factored again.
    @discardableResult
    public func factor(_ m: UnsafeMutablePointer<Double>) throws -> Kind {
        let n = dimension, order = Int32(n)
        let lower = Int8(UInt8(ascii: "L"))
        kind = nil
        let made: Kind
        if Self.isSymmetric(m, dimension: n) {
            for i in 0..<n { diagonal[i] = m[i + i * n] }
            if LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, lower, order, m, order) == 0 {
                made = .cholesky
            } else {
                // Not positive definite: restore M from its strict upper triangle and the diagonal.
                for j in 0..<n {
                    m[j + j * n] = diagonal[j]
                    for i in (j + 1)..<n { m[i + j * n] = m[j + i * n] }
                }
                let info = LAPACKE_dsytrf_work(LAPACK_COL_MAJOR, lower, order, m, order, pivots, work,
                                               Int32(workCount))
                if info != 0 { throw SingularMatrix(kind: .bunchKaufman, pivot: Int(info)) }
                made = .bunchKaufman
            }
        } else {
            let info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, order, order, m, order, pivots)
            if info != 0 { throw SingularMatrix(kind: .lu, pivot: Int(info)) }
            made = .lu
        }
        kind = made
        counts[made, default: 0] += 1
        return made
    }

    /// b ← M⁻¹ b with the factors `factor` left in `m`: the two triangular
    /// solves of Cholesky's `L Lᵀ` written out (`choleskySolve`), `dsytrs`
    /// or `dgetrs`. O(n²).
    public func solve(factors m: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
        guard let kind else { preconditionFailure("NewtonMatrixFactorization.solve before a successful factor") }
        let n = Int32(dimension)
        let lower = Int8(UInt8(ascii: "L"))
        let info: Int32
        switch kind {
        case .cholesky:
            Self.choleskySolve(factor: m, dimension: dimension, b)
            return
        case .bunchKaufman:
            info = LAPACKE_dsytrs_work(LAPACK_COL_MAJOR, lower, n, 1, m, n, pivots, b, n)
        case .lu:
            info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), n, 1, m, n, pivots, b, n)
        }
        // Only an illegal argument makes these fail, which the sizes above rule out.
        precondition(info == 0, "LAPACK \(kind) solve: argument \(-info) had an illegal value")
    }

    /// b ← (L Lᵀ)⁻¹ b for the lower-triangular n × n column-major `L`:
    /// `L y = b` by columns (an axpy down each column), then `Lᵀ x = y`
    /// by dot products with the columns. The same operations as `dpotrs`
    /// with one right-hand side, without its blocked path's packing, which
    /// costs more than the solve at the sizes CVODE's Newton systems have.
    static func choleskySolve(factor l: UnsafePointer<Double>, dimension n: Int, _ b: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let column = l + j * n
            let y = b[j] / column[j]
            b[j] = y
            for i in (j + 1)..<n { b[i] -= column[i] * y }
        }
        for j in stride(from: n - 1, through: 0, by: -1) {
            let column = l + j * n
            var sum = b[j]
            for i in (j + 1)..<n { sum -= column[i] * b[i] }
            b[j] = sum / column[j]
        }
    }
}
