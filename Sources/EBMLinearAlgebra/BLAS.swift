import CLapack

/// Thin Swift entry points to the BLAS routines the project uses. All
/// matrices are column-major.
public enum BLAS {
    /// Switches OpenBLAS's own threads off (once per process). The all-states
    /// kernels split their work into fixed chunks on their own threads; nested
    /// OpenBLAS threads would only spin against them, and their partition of
    /// a product depends on OPENBLAS_NUM_THREADS, which must not change bits.
    /// The first workspace and every LAPACK entry point touch it first: a
    /// switch made while another thread is inside a two-thread LAPACK call
    /// leaves that call waiting forever for OpenBLAS's helper (a test
    /// process, whose suites run side by side, hung in `dgetrf_parallel`).
    public static let singleThreaded: Void = {
        openblas_set_num_threads(1)
    }()

    /// C = alpha * op(A) * op(B) + beta * C   (cblas_dgemm)
    ///
    /// Raw-pointer form for hot loops: `a` is `m x k` after `op`, `b` is
    /// `k x n` after `op`, leading dimensions are the stored row counts.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(
            CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(ldc, 1)))
    }

    /// C = alpha * op(A) * op(B) + beta * C   (cblas_dgemm) on arrays: `b`
    /// read from `bOffset` on and `c` written from `cOffset` on, for the
    /// blocks of a parameter vector (`W` inside `θ`).
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: [Double], lda: Int,
        b: [Double], bOffset: Int = 0, ldb: Int,
        beta: Double, c: inout [Double], cOffset: Int = 0, ldc: Int
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                         a: pa.baseAddress!, lda: lda, b: pb.baseAddress! + bOffset, ldb: ldb,
                         beta: beta, c: pc.baseAddress! + cOffset, ldc: ldc)
                }
            }
        }
    }

    /// C = alpha * Aᵀ A + beta * C on the upper triangle of the `n × n` C,
    /// A `k × n` (cblas_dsyrk, column-major, upper, transposed).
    @inlinable
    public static func syrkUpperTransposed(
        n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if n == 0 { return }
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)),
                    beta, c, Int32(max(ldc, 1)))
    }

    /// Returns op(A) * op(B).
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        var c = Matrix(rows: m, columns: n)
        if k == 0 { return c }
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
             a: a.elements, lda: a.rows, b: b.elements, ldb: b.rows, beta: 0, c: &c.elements, ldc: m)
        return c
    }

    /// y = op(A) x   (cblas_dgemv)
    public static func multiply(_ a: Matrix, _ x: [Double], transpose: Bool = false) -> [Double] {
        let m = transpose ? a.columns : a.rows
        precondition(x.count == (transpose ? a.rows : a.columns), "vector length does not match the matrix")
        var y = [Double](repeating: 0, count: m)
        if a.rows == 0 || a.columns == 0 { return y }
        a.elements.withUnsafeBufferPointer { pa in
            cblas_dgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans, Int32(a.rows), Int32(a.columns),
                        1, pa.baseAddress!, Int32(a.rows), x, 1, 0, &y, 1)
        }
        return y
    }
}

/// Euclidean vector helpers used throughout.
public enum Vector {
    @inlinable
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        var s = 0.0
        for i in x.indices { s += x[i] * y[i] }
        return s
    }

    @inlinable
    public static func norm(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer(norm)
    }

    /// The same operations on a lent buffer, so the same bits.
    @inlinable
    public static func norm(_ x: UnsafeBufferPointer<Double>) -> Double {
        // Scaled to avoid overflow for very large entries.
        var scale = 0.0
        for v in x { scale = max(scale, abs(v)) }
        if scale == 0 || !scale.isFinite { return scale }
        var s = 0.0
        for v in x { let r = v / scale; s += r * r }
        return scale * s.squareRoot()
    }

    @inlinable
    public static func maxAbs(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer(maxAbs)
    }

    /// max |x_i| of a lent buffer (NaN entries passed over, as by
    /// `max(_:_:)`). Taken four lanes at a time: a maximum does not depend
    /// on the order it is taken in, so the result is that of one running
    /// maximum without its chain of dependent comparisons.
    @inlinable
    public static func maxAbs(_ x: UnsafeBufferPointer<Double>) -> Double {
        var lanes = SIMD4<Double>()
        var k = 0
        while k + 4 <= x.count {
            let v = SIMD4(abs(x[k]), abs(x[k + 1]), abs(x[k + 2]), abs(x[k + 3]))
            lanes.replace(with: v, where: v .> lanes)
            k += 4
        }
        var m = lanes.max()
        while k < x.count {
            m = max(m, abs(x[k]))
            k += 1
        }
        return m
    }

    /// Whether `norm(x) < bound`, with the same answer as that comparison
    /// but without the scaled norm's pass when the largest entry already
    /// reaches the bound: the computed norm is `scale · √s` with
    /// `scale = maxAbs(x)` and `s ≥ 1` (the largest entry contributes
    /// exactly 1), and rounding is monotone, so it is never below
    /// `maxAbs(x)`.
    @inlinable
    public static func normIsBelow(_ bound: Double, _ x: UnsafeBufferPointer<Double>) -> Bool {
        maxAbs(x) < bound && norm(x) < bound
    }

    @inlinable
    public static func difference(_ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count)
        return zip(x, y).map { $0 - $1 }
    }
}
