import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

/// F(x) = 1/x - 2 for x > 0 and NaN for x <= 0: a residual that goes bad
/// beyond its domain.
final class NaNOutsideDomain: NonlinearSystem {
    let dimension = 1
    func residual(_ x: [Double]) throws -> [Double] { [x[0] > 0 ? 1 / x[0] - 2 : .nan] }
    func jacobian(_ x: [Double]) throws -> Matrix { Matrix([[-1 / (x[0] * x[0])]]) }
}

@Suite("Newton failure paths")
struct NewtonFailureTests {
    static let starts: [Double] = [2, 0.5, -3, 0]

    @Test("x² + 1 = 0 has no real root: never .converged; the minimum-norm method and NewtonSolver stall",
          arguments: starts)
    func noRealRoot(start: Double) throws {
        let kinsol = try KINSOLNewton(maxIterations: 50).solve(NoRealRoot(), from: [start])
        #expect(!kinsol.isConverged)
        #expect(kinsol.residualMaxNorm >= 1)
        if start == 0 {
            // J(0) = 0: the LU factorisation fails at once.
            guard case .stalled(let reason) = kinsol.status else {
                Issue.record("expected KIN_LSETUP_FAIL, got \(kinsol.status)")
                return
            }
            #expect(reason.hasPrefix("KIN_LSETUP_FAIL"))
        } else {
            #expect(kinsol.status == .maxIterations)
        }
        for result in [
            try MinimumNormNewton.standard.solve(NoRealRoot(), from: [start]),
            try NewtonSolver(residualTolerance: 1e-10, maxIterations: 50).solve(NoRealRoot(), from: [start]),
        ] {
            guard case .stalled(let reason) = result.status else {
                Issue.record("expected .stalled, got \(result.status)")
                continue
            }
            // It stops at the minimum of |F|, x = 0, where |F| = 1.
            #expect(reason.contains("not a root"))
            #expect(abs(result.solution[0]) <= 1e-6)
            #expect(abs(result.residualMaxNorm - 1) <= 1e-12)
            #expect(result.method == "minimum-norm Newton")
            #expect(result.nullity == nil)
        }
    }

    @Test("KIN_STEP_LT_STPTOL with a large residual is a stall, not convergence")
    func smallStepLargeResidual() throws {
        // A scaled-step tolerance of 10 stops KINSOL after its first step,
        // with |F| = 1.5625 far above the residual tolerance.
        let result = try KINSOLNewton(stepTolerance: 10).solve(NoRealRoot(), from: [2])
        guard case .stalled(let reason) = result.status else {
            Issue.record("expected .stalled, got \(result.status)")
            return
        }
        #expect(reason.hasPrefix("KIN_STEP_LT_STPTOL"))
        #expect(result.iterations == 1)
        #expect(result.solution == [0.75])
        #expect(result.residualMaxNorm == 1.5625)
        // The same flag with a residual inside the tolerance is convergence:
        // F(x) = x³ - 8 from 2.5 with fnormtol 1 and scsteptol 10.
        let loose = try KINSOLNewton(residualTolerance: 1, stepTolerance: 10)
            .solve(FailingResidual(failAfter: 100), from: [2.1])
        #expect(loose.status == .converged)
        #expect(loose.residualMaxNorm <= 1)
    }

    @Test("a residual that throws: the system's own error comes back, from every method")
    func throwingResidual() throws {
        // x³ - 8 from 5: the third evaluation throws, inside the iteration.
        #expect(throws: FailingResidual.ModelFailure(evaluation: 3)) {
            try KINSOLNewton.standard.solve(FailingResidual(failAfter: 2), from: [5])
        }
        #expect(throws: FailingResidual.ModelFailure(evaluation: 1)) {
            try KINSOLNewton.standard.solve(FailingResidual(failAfter: 0), from: [5])
        }
        #expect(throws: FailingResidual.ModelFailure(evaluation: 3)) {
            try MinimumNormNewton.standard.solve(FailingResidual(failAfter: 2), from: [5])
        }
        #expect(throws: FailingResidual.ModelFailure(evaluation: 4)) {
            try NewtonSolver.standard.solve(FailingResidual(failAfter: 3), from: [5])
        }
        #expect(throws: FailingResidual.ModelFailure.self) {
            try Deflation().findRoots(FailingResidual(failAfter: 5), from: [[5]], maxRoots: 3)
        }
        // Without the failure the same system converges to 2.
        let result = try NewtonSolver.standard.solve(FailingResidual(failAfter: .max), from: [5])
        #expect(result.status == .converged)
        #expect(abs(result.solution[0] - 2) <= 1e-12)
    }

    @Test("a residual that is NaN at the start is .diverged; NaN at trial points only shortens the step")
    func nonFiniteResidual() throws {
        for method in [KINSOLNewton.standard as any NewtonMethod, MinimumNormNewton.standard, NewtonSolver.standard] {
            let bad = try method.solve(NaNOutsideDomain(), from: [-1])
            guard case .diverged(let reason) = bad.status else {
                Issue.record("expected .diverged, got \(bad.status)")
                continue
            }
            #expect(reason.contains("nan"))
            #expect(!bad.isConverged)
            if method is KINSOLNewton { #expect(reason.hasPrefix("KIN_FIRST_SYSFUNC_ERR")) }
            if method is NewtonSolver {
                #expect(bad.precedingAttempts.first.map { "\($0.status)" }?.contains("KIN_FIRST_SYSFUNC_ERR") == true)
            }
            // From 1.2 the full Newton step lands at x <= 0 (NaN): both methods step
            // back and reach 1/2.
            let good = try method.solve(NaNOutsideDomain(), from: [1.2])
            #expect(good.status == .converged)
            #expect(abs(good.solution[0] - 0.5) <= 1e-10)
        }
    }

    @Test("a system that returns the wrong number of entries, or a NaN start, is refused as invalid")
    func malformedSystem() throws {
        for method in [KINSOLNewton.standard as any NewtonMethod, MinimumNormNewton.standard] {
            #expect(throws: InvalidArgumentError.self) { try method.solve(WrongSizeJacobian(), from: [1]) }
            #expect(throws: InvalidArgumentError.self) { try method.solve(NoRealRoot(), from: [.nan]) }
            #expect(throws: InvalidArgumentError.self) { try method.solve(NoRealRoot(), from: [1, 2]) }
        }
    }
}

/// F(x) = x - 1 with a 2 × 2 "Jacobian".
final class WrongSizeJacobian: NonlinearSystem {
    let dimension = 1
    func residual(_ x: [Double]) throws -> [Double] { [x[0] - 3] }
    func jacobian(_ x: [Double]) throws -> Matrix { Matrix.identity(2) }
}
