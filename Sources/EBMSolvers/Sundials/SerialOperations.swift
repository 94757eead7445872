import CSundials

/// The operations of SUNDIALS' serial `N_Vector` and dense `SUNMatrix`,
/// compiled with the package, installed in the operation tables of the
/// vectors and matrices ebmflow makes.
///
/// Why: Debian's `libsundials` 6.4 is built without optimisation (its
/// `N_VLinearSum_Serial` reloads every loop variable from the stack), and
/// for the small systems of basin maps, portraits and many-start flows
/// (a few to a few dozen parameters) these loops are most of the
/// integrator's cost: on the demo's basin map (24 parameters) they took
/// 46 % of the run, CVODE's own step logic 5 %.
///
/// Each operation does the arithmetic of the library's, in the same order,
/// with the same special cases (`N_VLinearSum` with a = ±1 or a = ±b), so
/// every result is the same to the last bit; `SerialOperationsTests`
/// compares each one with the library's on the same inputs. (Where both
/// operands of one operation are NaN, which of the two NaNs comes out is
/// the compiler's choice, in C as in Swift; a NaN is a NaN either way.)
/// Fused and vector-array operations stay unset, as the library leaves
/// them, so CVODE composes them from these as before. Vectors and matrices
/// without entries keep the library's operations (these read entry 0).
///
/// Vectors cloned from one that has these operations (CVODE's work vectors
/// are all clones of the state vector) copy its table; a dense matrix's
/// clone is made with them too (CVODE's saved Jacobian is a clone).
enum SerialOperations {
    /// `N_VNew_Serial(length, context)` with these operations; nil if it
    /// cannot be allocated.
    static func newVector(length: sunindextype, context: SUNContext?) -> N_Vector? {
        guard let vector = N_VNew_Serial(length, context) else { return nil }
        if length > 0 { install(on: vector) }
        return vector
    }

    /// `SUNDenseMatrix(rows, columns, context)` with these operations; nil
    /// if it cannot be allocated.
    static func newDenseMatrix(rows: sunindextype, columns: sunindextype, context: SUNContext?) -> SUNMatrix? {
        guard let matrix = SUNDenseMatrix(rows, columns, context) else { return nil }
        if rows > 0 && columns > 0 { install(on: matrix) }
        return matrix
    }

    /// Installs the operations in `vector`'s table (a serial vector with
    /// at least one entry).
    static func install(on vector: N_Vector) {
        let ops = vector.pointee.ops!
        ops.pointee.nvlinearsum = linearSum
        ops.pointee.nvconst = constant
        ops.pointee.nvprod = product
        ops.pointee.nvdiv = quotient
        ops.pointee.nvscale = scale
        ops.pointee.nvabs = absolute
        ops.pointee.nvinv = inverse
        ops.pointee.nvaddconst = addConstant
        ops.pointee.nvdotprod = dotProduct
        ops.pointee.nvdotprodlocal = dotProduct
        ops.pointee.nvmaxnorm = maxNorm
        ops.pointee.nvmaxnormlocal = maxNorm
        ops.pointee.nvwrmsnorm = wrmsNorm
        ops.pointee.nvwsqrsumlocal = weightedSquareSum
        ops.pointee.nvmin = minimum
        ops.pointee.nvminlocal = minimum
        ops.pointee.nvl1norm = l1Norm
        ops.pointee.nvl1normlocal = l1Norm
        ops.pointee.nvwl2norm = weightedL2Norm
        ops.pointee.nvconstrmask = constraintMask
        ops.pointee.nvconstrmasklocal = constraintMask
        ops.pointee.nvcompare = compare
        ops.pointee.nvinvtest = inverseTest
        ops.pointee.nvinvtestlocal = inverseTest
        ops.pointee.nvminquotient = minimumQuotient
        ops.pointee.nvminquotientlocal = minimumQuotient
    }

    /// Installs the operations in `matrix`'s table (a dense matrix).
    static func install(on matrix: SUNMatrix) {
        let ops = matrix.pointee.ops!
        ops.pointee.clone = cloneMatrix
        ops.pointee.zero = zeroMatrix
        ops.pointee.copy = copyMatrix
        ops.pointee.scaleaddi = scaleAddIdentity
    }

    // MARK: vector entries

    /// The entries of a serial vector: its data pointer and length.
    @inline(__always)
    private static func entries(_ vector: N_Vector?) -> (UnsafeMutablePointer<Double>, Int) {
        let content = vector!.pointee.content.assumingMemoryBound(to: _N_VectorContent_Serial.self)
        return (content.pointee.data, Int(content.pointee.length))
    }

    // MARK: element-wise operations

    /// z = a x + b y, with the library's special cases: each one computes
    /// its entries by a different expression (c (x + y) when a = b is not
    /// a x + b y to the bit), so the case analysis is part of the result.
    static let linearSum: @convention(c) (Double, N_Vector?, Double, N_Vector?, N_Vector?) -> Void = { a, x, b, y, z in
        let (xd, n) = entries(x)
        let (yd, _) = entries(y)
        let (zd, _) = entries(z)
        if b == 1, z == y { accumulate(a, xd, into: yd, n); return }
        if a == 1, z == x { accumulate(b, yd, into: xd, n); return }
        if a == 1, b == 1 { for i in 0..<n { zd[i] = xd[i] + yd[i] }; return }
        if a == 1, b == -1 { for i in 0..<n { zd[i] = xd[i] - yd[i] }; return }
        if a == -1, b == 1 { for i in 0..<n { zd[i] = yd[i] - xd[i] }; return }
        if a == 1 { for i in 0..<n { zd[i] = b * yd[i] + xd[i] }; return }
        if b == 1 { for i in 0..<n { zd[i] = a * xd[i] + yd[i] }; return }
        if a == -1 { for i in 0..<n { zd[i] = b * yd[i] - xd[i] }; return }
        if b == -1 { for i in 0..<n { zd[i] = a * xd[i] - yd[i] }; return }
        if a == b { for i in 0..<n { zd[i] = a * (xd[i] + yd[i]) }; return }
        if a == -b { for i in 0..<n { zd[i] = a * (xd[i] - yd[i]) }; return }
        for i in 0..<n { zd[i] = a * xd[i] + b * yd[i] }
    }

    /// y += a x (y -= x when a = -1, y += x when a = 1).
    @inline(__always)
    private static func accumulate(_ a: Double, _ x: UnsafeMutablePointer<Double>, into y: UnsafeMutablePointer<Double>, _ n: Int) {
        if a == 1 { for i in 0..<n { y[i] += x[i] }; return }
        if a == -1 { for i in 0..<n { y[i] -= x[i] }; return }
        for i in 0..<n { y[i] += a * x[i] }
    }

    static let constant: @convention(c) (Double, N_Vector?) -> Void = { c, z in
        let (zd, n) = entries(z)
        for i in 0..<n { zd[i] = c }
    }

    static let product: @convention(c) (N_Vector?, N_Vector?, N_Vector?) -> Void = { x, y, z in
        let (xd, n) = entries(x)
        let (yd, _) = entries(y)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = xd[i] * yd[i] }
    }

    static let quotient: @convention(c) (N_Vector?, N_Vector?, N_Vector?) -> Void = { x, y, z in
        let (xd, n) = entries(x)
        let (yd, _) = entries(y)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = xd[i] / yd[i] }
    }

    /// z = c x (a copy when c = 1, a negation when c = -1).
    static let scale: @convention(c) (Double, N_Vector?, N_Vector?) -> Void = { c, x, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        if z == x { for i in 0..<n { xd[i] *= c }; return }
        if c == 1 { zd.update(from: xd, count: n); return }
        if c == -1 { for i in 0..<n { zd[i] = -xd[i] }; return }
        for i in 0..<n { zd[i] = c * xd[i] }
    }

    static let absolute: @convention(c) (N_Vector?, N_Vector?) -> Void = { x, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = abs(xd[i]) }
    }

    static let inverse: @convention(c) (N_Vector?, N_Vector?) -> Void = { x, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = 1 / xd[i] }
    }

    static let addConstant: @convention(c) (N_Vector?, Double, N_Vector?) -> Void = { x, b, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = xd[i] + b }
    }

    /// z_i = 1 if |x_i| ≥ c, else 0.
    static let compare: @convention(c) (Double, N_Vector?, N_Vector?) -> Void = { c, x, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        for i in 0..<n { zd[i] = abs(xd[i]) >= c ? 1 : 0 }
    }

    /// z_i = 1/x_i where x_i ≠ 0 (other entries untouched); false if some
    /// x_i = 0.
    static let inverseTest: @convention(c) (N_Vector?, N_Vector?) -> Int32 = { x, z in
        let (xd, n) = entries(x)
        let (zd, _) = entries(z)
        var noZero: Int32 = 1
        for i in 0..<n {
            if xd[i] == 0 { noZero = 0 } else { zd[i] = 1 / xd[i] }
        }
        return noZero
    }

    /// m_i = 1 where x_i breaks the constraint c_i (c = ±2: x ≷ 0 strictly;
    /// c = ±1: x ≷ 0 or x = 0; c = 0: none), else 0; false if any does.
    static let constraintMask: @convention(c) (N_Vector?, N_Vector?, N_Vector?) -> Int32 = { c, x, m in
        let (xd, n) = entries(x)
        let (cd, _) = entries(c)
        let (md, _) = entries(m)
        var broken = false
        for i in 0..<n {
            md[i] = 0
            if cd[i] == 0 { continue }
            let product = xd[i] * cd[i]
            if (abs(cd[i]) > 1.5 && product <= 0) || (abs(cd[i]) > 0.5 && product < 0) {
                md[i] = 1
                broken = true
            }
        }
        return broken ? 0 : 1
    }

    // MARK: reductions, summed left to right as the library does

    static let dotProduct: @convention(c) (N_Vector?, N_Vector?) -> Double = { x, y in
        let (xd, n) = entries(x)
        let (yd, _) = entries(y)
        var sum = 0.0
        for i in 0..<n { sum += xd[i] * yd[i] }
        return sum
    }

    /// max_i |x_i| (0 for an empty vector; NaN entries are passed over).
    static let maxNorm: @convention(c) (N_Vector?) -> Double = { x in
        let (xd, n) = entries(x)
        var largest = 0.0
        for i in 0..<n where abs(xd[i]) > largest { largest = abs(xd[i]) }
        return largest
    }

    /// Σ_i (x_i w_i)².
    static let weightedSquareSum: @convention(c) (N_Vector?, N_Vector?) -> Double = { x, w in
        let (xd, n) = entries(x)
        let (wd, _) = entries(w)
        var sum = 0.0
        for i in 0..<n {
            let product = xd[i] * wd[i]
            sum += product * product
        }
        return sum
    }

    /// sqrt(Σ_i (x_i w_i)² / n), 0 when the sum is not positive.
    static let wrmsNorm: @convention(c) (N_Vector?, N_Vector?) -> Double = { x, w in
        let (_, n) = entries(x)
        let mean = weightedSquareSum(x, w) / Double(n)
        return mean <= 0 ? 0 : mean.squareRoot()
    }

    /// sqrt(Σ_i (x_i w_i)²), 0 when the sum is not positive (KINSOL's norm).
    static let weightedL2Norm: @convention(c) (N_Vector?, N_Vector?) -> Double = { x, w in
        let sum = weightedSquareSum(x, w)
        return sum <= 0 ? 0 : sum.squareRoot()
    }

    static let minimum: @convention(c) (N_Vector?) -> Double = { x in
        let (xd, n) = entries(x)
        var smallest = xd[0]
        for i in 1..<n where xd[i] < smallest { smallest = xd[i] }  // n ≥ 1: installed on such vectors only
        return smallest
    }

    static let l1Norm: @convention(c) (N_Vector?) -> Double = { x in
        let (xd, n) = entries(x)
        var sum = 0.0
        for i in 0..<n { sum += abs(xd[i]) }
        return sum
    }

    /// min_i num_i / denom_i over denom_i ≠ 0 (the largest double if none).
    static let minimumQuotient: @convention(c) (N_Vector?, N_Vector?) -> Double = { numerator, denominator in
        let (nd, n) = entries(numerator)
        let (dd, _) = entries(denominator)
        var smallest = Double.greatestFiniteMagnitude
        var first = true
        for i in 0..<n where dd[i] != 0 {
            let q = nd[i] / dd[i]
            if first {
                smallest = q
                first = false
            } else if !(smallest < q) {
                smallest = q
            }
        }
        return smallest
    }

    // MARK: dense matrices (column-major, M × N)

    /// The content of a dense matrix: its data and its number of entries.
    @inline(__always)
    private static func dense(_ matrix: SUNMatrix?) -> UnsafeMutablePointer<_SUNMatrixContent_Dense> {
        matrix!.pointee.content.assumingMemoryBound(to: _SUNMatrixContent_Dense.self)
    }

    static let cloneMatrix: @convention(c) (SUNMatrix?) -> SUNMatrix? = { matrix in
        let content = dense(matrix)
        return newDenseMatrix(rows: content.pointee.M, columns: content.pointee.N, context: matrix!.pointee.sunctx)
    }

    static let zeroMatrix: @convention(c) (SUNMatrix?) -> Int32 = { matrix in
        let content = dense(matrix)
        content.pointee.data.update(repeating: 0, count: Int(content.pointee.ldata))
        return Int32(SUNMAT_SUCCESS)
    }

    /// B = A, for dense matrices of the same shape.
    static let copyMatrix: @convention(c) (SUNMatrix?, SUNMatrix?) -> Int32 = { a, b in
        guard SUNMatGetID(a) == SUNMATRIX_DENSE, SUNMatGetID(b) == SUNMATRIX_DENSE else {
            return Int32(SUNMAT_ILL_INPUT)
        }
        let source = dense(a)
        let target = dense(b)
        guard source.pointee.M == target.pointee.M, source.pointee.N == target.pointee.N else {
            return Int32(SUNMAT_ILL_INPUT)
        }
        target.pointee.data.update(from: source.pointee.data, count: Int(source.pointee.M * source.pointee.N))
        return Int32(SUNMAT_SUCCESS)
    }

    /// A = c A + I.
    static let scaleAddIdentity: @convention(c) (Double, SUNMatrix?) -> Int32 = { c, matrix in
        let content = dense(matrix)
        let rows = Int(content.pointee.M)
        let columns = Int(content.pointee.N)
        let data = content.pointee.data!
        for j in 0..<columns {
            let column = data + j * rows
            for i in 0..<rows { column[i] *= c }
            if j < rows { column[j] += 1 }
        }
        return Int32(SUNMAT_SUCCESS)
    }
}
