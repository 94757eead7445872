import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

@Suite("minimum-norm Newton and NewtonSolver")
struct MinimumNormNewtonTests {
    static let circleStarts: [[Double]] = [[1.5, 2.0], [0.5, 0.5], [-2.0, 0.1], [0.9, 1.2], [-0.3, -0.8], [0.0, 3.0]]

    @Test("F = ∇(|x|² - 1)²/4: every start ends on the unit circle, nullity 1", arguments: circleStarts)
    func circleOfRoots(start: [Double]) throws {
        let method = try MinimumNormNewton(residualTolerance: 1e-12)
        let result = try method.solve(CircleOfRoots(), from: start)
        #expect(result.status == .converged)
        #expect(result.method == "minimum-norm Newton")
        let x = result.solution
        #expect(abs(x[0] * x[0] + x[1] * x[1] - 1) <= 1e-10)
        #expect(result.residualMaxNorm <= 1e-12)
        #expect(result.nullity == 1)
        #expect(result.iterations <= 10)
        // F is radial and J x ∥ x off the circle, so every step runs along the
        // normal: the root is the nearest point of the circle, x₀ / |x₀|.
        let r = Vector.norm(start)
        #expect(abs(x[0] - start[0] / r) <= 1e-12 && abs(x[1] - start[1] / r) <= 1e-12)
    }

    @Test("the same through NewtonSolver: KINSOL converges, then the nullity is read off J at the root")
    func circleThroughNewtonSolver() throws {
        for start in Self.circleStarts {
            let result = try NewtonSolver(residualTolerance: 1e-12).solve(CircleOfRoots(), from: start)
            #expect(result.status == .converged)
            let x = result.solution
            #expect(abs(x[0] * x[0] + x[1] * x[1] - 1) <= 1e-10)
            #expect(result.nullity == 1)
        }
    }

    @Test("a rank-1 Jacobian everywhere: one minimum-norm step lands exactly on the foot of the normal")
    func minimumNormStepIsTheProjection() throws {
        // From (0.3, 0.2): s = 0.5; J⁺F = (s² - 1)(1, 1)/(4s), so each step moves
        // along (1, 1) and s follows Newton's iteration for s² = 1. The limit
        // is the projection of the start on x + y = 1: (0.55, 0.45).
        let result = try MinimumNormNewton(residualTolerance: 1e-13).solve(RankDeficientSystem(), from: [0.3, 0.2])
        #expect(result.status == .converged)
        #expect(abs(result.solution[0] - 0.55) <= 1e-14)
        #expect(abs(result.solution[1] - 0.45) <= 1e-14)
        #expect(result.nullity == 1)
        // The first step exactly: δ = -(0.25 - 1)/(4 · 0.5) (1, 1) = 0.375 (1, 1).
        let one = try MinimumNormNewton(residualTolerance: 1e-13, maxIterations: 1)
            .solve(RankDeficientSystem(), from: [0.3, 0.2])
        #expect(one.status == .maxIterations)
        #expect(abs(one.solution[0] - 0.675) <= 1e-15 && abs(one.solution[1] - 0.575) <= 1e-15)
    }

    @Test("the same with a non-symmetric rank-1 Jacobian: the SVD pseudo-inverse gives the same root")
    func singularValueDecompositionPath() throws {
        let result = try MinimumNormNewton(residualTolerance: 1e-13)
            .solve(NonSymmetricRankDeficientSystem(), from: [0.3, 0.2])
        #expect(result.status == .converged)
        #expect(abs(result.solution[0] - 0.55) <= 1e-14 && abs(result.solution[1] - 0.45) <= 1e-14)
        #expect(result.nullity == 1)
        let viaSolver = try NewtonSolver(residualTolerance: 1e-13)
            .solve(NonSymmetricRankDeficientSystem(), from: [0.3, 0.2])
        #expect(viaSolver.method == "minimum-norm Newton")
        #expect(viaSolver.solution == result.solution)
    }

    @Test("LAPACK's thin SVD (dgesdd, jobz = S) reconstructs A with orthonormal factors")
    func singularValueDecomposition() throws {
        var generator = SplitMix64(seed: 7)
        for (m, n) in [(3, 3), (2, 4), (5, 2)] {
            let a = Matrix(rows: m, columns: n, columnMajor: (0..<(m * n)).map { _ in
                Double(generator.next() >> 11) * 0x1p-53 - 0.5
            })
            let svd = try LAPACK.singularValueDecomposition(a)
            let k = min(m, n)
            #expect(svd.u.rows == m && svd.u.columns == k && svd.vt.rows == k && svd.vt.columns == n)
            #expect(zip(svd.values, svd.values.dropFirst()).allSatisfy { $0 >= $1 })
            var scaled = svd.u
            for j in 0..<k { for i in 0..<m { scaled[i, j] *= svd.values[j] } }
            let back = BLAS.multiply(scaled, svd.vt)
            #expect(zip(back.elements, a.elements).allSatisfy { abs($0 - $1) <= 1e-14 })
            let utu = BLAS.multiply(svd.u, svd.u, transposeA: true)
            let vvt = BLAS.multiply(svd.vt, svd.vt, transposeB: true)
            #expect(zip(utu.elements, Matrix.identity(k).elements).allSatisfy { abs($0 - $1) <= 1e-14 })
            #expect(zip(vvt.elements, Matrix.identity(k).elements).allSatisfy { abs($0 - $1) <= 1e-14 })
            #expect(zip(svd.values, try LAPACK.singularValues(a)).allSatisfy { abs($0 - $1) <= 1e-14 })
        }
    }

    @Test("NewtonSolver: KINSOL's LU fails on the singular Jacobian (KIN_LSETUP_FAIL), the fallback converges")
    func fallbackOnSingularJacobian() throws {
        let result = try NewtonSolver(residualTolerance: 1e-13).solve(RankDeficientSystem(), from: [0.3, 0.2])
        #expect(result.status == .converged)
        #expect(result.method == "minimum-norm Newton")
        #expect(result.nullity == 1)
        #expect(abs(result.solution[0] - 0.55) <= 1e-14 && abs(result.solution[1] - 0.45) <= 1e-14)
        let kinsol = try #require(result.precedingAttempts.first)
        #expect(result.precedingAttempts.count == 1)
        #expect(kinsol.method == "KINSOL exact Newton with line search")
        guard case .stalled(let reason) = kinsol.status else {
            Issue.record("KINSOL should stall on the singular Jacobian, got \(kinsol.status)")
            return
        }
        #expect(reason.hasPrefix("KIN_LSETUP_FAIL"))
        // The counts add up over both attempts.
        #expect(result.jacobianEvaluations > kinsol.jacobianEvaluations)
        #expect(result.iterations > kinsol.iterations)
    }

    @Test("a regular root: NewtonSolver converges quadratically with KINSOL alone")
    func quadraticConvergence() throws {
        let system = RegularSystem()
        let result = try NewtonSolver(residualTolerance: 1e-13).solve(system, from: [2, 0.5])
        #expect(result.status == .converged)
        #expect(result.method == "KINSOL exact Newton with line search")
        #expect(result.precedingAttempts.isEmpty)
        #expect(result.nullity == 0)
        #expect(abs(result.solution[0] - 1) <= 1e-14 && abs(result.solution[1] - 1) <= 1e-14)
        // From (2, 0.5) one Newton step lands on the diagonal at (1.25, 1.25);
        // there x_{k+1} = (x_k + 1/x_k)/2 and |F| = 2(x_k² - 1).
        var expected = [Vector.norm([2.25, 1.5])]
        var x = 1.25
        for _ in 0..<4 {
            expected.append(2 * (x * x - 1))
            x = (x + 1 / x) / 2
        }
        let norms = system.residualNorms
        #expect(result.iterations == 5)
        #expect(norms.count == 6)
        for k in 0..<5 where k < norms.count {
            #expect(abs(norms[k] - expected[k]) <= 1e-12 * expected[k], "|F| at iterate \(k)")
        }
        // Quadratic: on the diagonal |F_{k+1}| = |F_k|² / (8 x_k²) <= |F_k|² / 8.
        for k in 1..<(norms.count - 1) {
            #expect(norms[k + 1] <= 0.15 * norms[k] * norms[k], "iterate \(k + 1)")
        }
        #expect(norms.last! <= 1e-14)
    }

    @Test("nullity counts eigenvalues below cutoff · max|λ| (symmetric) or singular values (general)")
    func nullityCounting() throws {
        let method = try MinimumNormNewton(cutoff: 1e-6)
        let symmetric = Matrix([[2, 0, 0], [0, 1e-9, 0], [0, 0, -3]])
        #expect(try method.nullity(of: symmetric, isSymmetric: true) == 1)
        #expect(try method.nullity(of: Matrix(rows: 2, columns: 2), isSymmetric: true) == 2)
        let rankOne = Matrix([[1, 2], [2, 4]])
        #expect(try method.nullity(of: rankOne, isSymmetric: false) == 1)
        #expect(try method.nullity(of: Matrix([[0, 1], [0, 0]]), isSymmetric: false) == 1)
        #expect(try method.nullity(of: Matrix([[0, 1], [-1, 0]]), isSymmetric: false) == 0)
    }

    @Test("options out of range are refused when the method is built")
    func invalidOptions() {
        #expect(throws: InvalidArgumentError.self) { try MinimumNormNewton(residualTolerance: 0) }
        #expect(throws: InvalidArgumentError.self) { try MinimumNormNewton(cutoff: 1) }
        #expect(throws: InvalidArgumentError.self) { try MinimumNormNewton(maxStep: -1) }
        #expect(throws: InvalidArgumentError.self) { try KINSOLNewton(stepTolerance: .nan) }
        #expect(throws: InvalidArgumentError.self) { try KINSOLNewton(maxIterations: 0) }
        #expect(throws: InvalidArgumentError.self) { try KINSOLNewton(jacobianUpdateInterval: 0) }
        #expect(throws: InvalidArgumentError.self) { try Deflation(power: 0) }
        #expect(throws: InvalidArgumentError.self) { try Deflation(shift: -1) }
        #expect(throws: InvalidArgumentError.self) {
            try MinimumNormNewton.standard.solve(CircleOfRoots(), from: [1, 2, 3])
        }
    }
}
