import EBMLinearAlgebra
import Foundation
import Testing

/// `NewtonMatrixFactorization` on matrices whose kind is known by
/// construction: the factorisation it picks and the residual of its solves.
@Suite("Newton matrix factorisation (Cholesky, Bunch–Kaufman, LU)")
struct NewtonMatrixFactorizationTests {
    /// Q diag(λ) Qᵀ with Q the product of three seeded random Householder
    /// reflections, made exactly symmetric.
    static func symmetric(eigenvalues: [Double], seed: UInt64) -> Matrix {
        let n = eigenvalues.count
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var q = Matrix.identity(n)
        for _ in 0..<3 {
            let u = (0..<n).map { _ in uniform() }
            let uu = u.reduce(0) { $0 + $1 * $1 }
            var h = Matrix.identity(n)
            for i in 0..<n { for j in 0..<n { h[i, j] -= 2 * u[i] * u[j] / uu } }
            q = BLAS.multiply(q, h)
        }
        var lambda = Matrix(rows: n, columns: n)
        for i in 0..<n { lambda[i, i] = eigenvalues[i] }
        var a = BLAS.multiply(BLAS.multiply(q, lambda), q, transposeB: true)
        for i in 0..<n { for j in 0..<i { a[i, j] = a[j, i] } }
        return a
    }

    /// Factors a copy of `a`, solves for b = A (1, 2, …, n), returns the kind
    /// and max |x - (1, …, n)| / n.
    static func factorAndSolve(_ a: Matrix) throws -> (NewtonMatrixFactorization.Kind, Double) {
        let n = a.rows
        let expected = (0..<n).map { Double($0 + 1) }
        var x = BLAS.multiply(a, expected)
        var factors = a.elements
        let factorization = NewtonMatrixFactorization(dimension: n)
        let kind = try factors.withUnsafeMutableBufferPointer { try factorization.factor($0.baseAddress!) }
        factors.withUnsafeBufferPointer { m in
            x.withUnsafeMutableBufferPointer { factorization.solve(factors: m.baseAddress!, $0.baseAddress!) }
        }
        #expect(factorization.counts == [kind: 1])
        return (kind, Vector.maxAbs(Vector.difference(x, expected)) / Double(n))
    }

    @Test("symmetric positive definite: Cholesky, solution to 1e-12", arguments: [1, 7, 64, 200])
    func positiveDefinite(_ n: Int) throws {
        let a = Self.symmetric(eigenvalues: (0..<n).map { 1 + 99 * Double($0) / Double(max(n - 1, 1)) }, seed: 3)
        let (kind, error) = try Self.factorAndSolve(a)
        #expect(kind == .cholesky)
        #expect(error < 1e-12)
    }

    @Test("symmetric indefinite: Cholesky fails, the matrix is restored and Bunch–Kaufman solves it",
          arguments: [2, 7, 64, 200])
    func indefinite(_ n: Int) throws {
        // Eigenvalues ±(1 ... 10), alternating: |λ| ≥ 1, condition number 10.
        let values: [Double] = (0..<n).map { i in
            let magnitude: Double = 1 + 9 * Double(i) / Double(max(n - 1, 1))
            return i % 2 == 0 ? magnitude : -magnitude
        }
        let (kind, error) = try Self.factorAndSolve(Self.symmetric(eigenvalues: values, seed: 5))
        #expect(kind == .bunchKaufman)
        #expect(error < 1e-12)
    }

    @Test("not symmetric: LU, solution to 1e-12; a perturbation of 1e-13 already counts as asymmetric")
    func notSymmetric() throws {
        var a = Self.symmetric(eigenvalues: (0..<50).map { 2 + Double($0) }, seed: 9)
        a[3, 17] += 1e-13 * Vector.maxAbs(a.elements)
        let (kind, error) = try Self.factorAndSolve(a)
        #expect(kind == .lu)
        #expect(error < 1e-12)
    }

    @Test("the symmetry test: exact and within a few ulps count, larger differences do not")
    func symmetryTest() {
        var a = Self.symmetric(eigenvalues: [1, 2, 3, 4], seed: 11)
        func check() -> Bool {
            a.elements.withUnsafeBufferPointer { NewtonMatrixFactorization.isSymmetric($0.baseAddress!, dimension: 4) }
        }
        #expect(check())
        a[0, 1] = a[1, 0].nextUp.nextUp
        #expect(check())
        a[0, 1] = a[1, 0] * (1 + 1e-10)
        #expect(!check())
    }

    /// `Vector.maxAbs` (four lanes) and `normIsBelow` give the bits of a
    /// single running maximum and of the scaled norm's comparison, on every
    /// length up to three lane widths, with NaN, -0, infinities and ties.
    @Test func laneMaximaAreTheRunningMaximum() {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) - (1 << 52)) / Double(1 << 40)
        }
        let specials: [Double] = [.nan, -0.0, 0, .infinity, -.infinity, 3, -3]
        for count in 0...12 {
            for trial in 0..<20 {
                var x = (0..<count).map { _ in next() }
                if count > 0 && trial > 0 { x[trial % count] = specials[trial % specials.count] }
                if count > 1 && trial % 3 == 0 { x[count - 1] = x[0] }
                var running = 0.0
                for v in x { running = max(running, abs(v)) }
                x.withUnsafeBufferPointer { buffer in
                    #expect(Vector.maxAbs(buffer).bitPattern == running.bitPattern, "\(x)")
                    for bound in [running, running.nextUp, running * 1.5, running / 2] {
                        #expect(Vector.normIsBelow(bound, buffer) == (Vector.norm(buffer) < bound), "\(x) < \(bound)")
                    }
                }
            }
        }
    }

    @Test("exactly singular matrices are refused with the kind and the pivot")
    func singular() {
        let factorization = NewtonMatrixFactorization(dimension: 3)
        var zero = [Double](repeating: 0, count: 9)
        #expect(throws: NewtonMatrixFactorization.SingularMatrix(kind: .bunchKaufman, pivot: 1)) {
            try zero.withUnsafeMutableBufferPointer { try factorization.factor($0.baseAddress!) }
        }
        // Rows 1 and 2 equal, not symmetric: U has a zero on the diagonal.
        var lu: [Double] = [1, 1, 0, 2, 2, 1, 3, 3, 5]
        #expect(throws: NewtonMatrixFactorization.SingularMatrix.self) {
            try lu.withUnsafeMutableBufferPointer { try factorization.factor($0.baseAddress!) }
        }
        #expect(factorization.kind == nil)
        #expect(factorization.counts.isEmpty)
    }
}
