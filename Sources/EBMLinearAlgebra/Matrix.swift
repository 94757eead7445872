/// A dense real matrix stored column-major, as BLAS, LAPACK and SUNDIALS
/// store theirs: element (i, j) lives at `elements[i + j * rows]`.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var elements: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Double](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
        precondition(elements.count == rows * columns, "expected \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// Builds a matrix from row-major nested arrays (convenient in tests).
    public init(_ rowsOfElements: [[Double]]) {
        let r = rowsOfElements.count
        let c = rowsOfElements.first?.count ?? 0
        self.init(rows: r, columns: c)
        for i in 0..<r {
            precondition(rowsOfElements[i].count == c, "ragged rows")
            for j in 0..<c { self[i, j] = rowsOfElements[i][j] }
        }
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { self[i, $0] }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows { t[j, i] = self[i, j] } }
        return t
    }

    /// max_{i,j} |A_ij - A_ji|, for checking symmetry.
    public var asymmetry: Double {
        precondition(rows == columns)
        var worst = 0.0
        for j in 0..<columns { for i in 0..<j { worst = max(worst, abs(self[i, j] - self[j, i])) } }
        return worst
    }
}
