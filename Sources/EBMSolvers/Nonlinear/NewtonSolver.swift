import EBMLinearAlgebra

/// The one entry point for F(x) = 0: KINSOL's Newton method first, and the
/// minimum-norm Newton method from the same start when KINSOL does not
/// converge — its LU factorisation fails on a singular Jacobian
/// (`KIN_LSETUP_FAIL`), it stalls (`KIN_LINESEARCH_NONCONV`, a small step
/// with a large residual), it diverges or runs out of iterations. Fixed
/// points that form manifolds have singular Jacobians on them, so the
/// fallback is the normal path there, not an exception.
///
/// A converged result carries `nullity`: the minimum-norm method computes it
/// at its root; after KINSOL the solver evaluates J once more at the root and
/// counts its small eigen- or singular values with the fallback's `cutoff`.
/// Counts (iterations, evaluations) add up over both attempts; the KINSOL
/// attempt is kept in `precedingAttempts`.
public struct NewtonSolver: NewtonMethod, Equatable {
    public let kinsol: KINSOLNewton
    public let fallback: MinimumNormNewton

    public init(kinsol: KINSOLNewton = .standard, fallback: MinimumNormNewton = .standard) {
        self.kinsol = kinsol
        self.fallback = fallback
    }

    /// Both methods with the same residual and step tolerances and iteration
    /// limit; KINSOL with line search and exact Newton, the fallback with
    /// `cutoff`.
    ///
    /// - Throws: `InvalidArgumentError` for an option out of range.
    public init(
        residualTolerance: Double, stepTolerance: Double = 1e-12, maxIterations: Int = 200, cutoff: Double = 1e-8
    ) throws {
        self.kinsol = try KINSOLNewton(
            residualTolerance: residualTolerance, stepTolerance: stepTolerance, maxIterations: maxIterations)
        self.fallback = try MinimumNormNewton(
            residualTolerance: residualTolerance, stepTolerance: stepTolerance, maxIterations: maxIterations,
            cutoff: cutoff)
    }

    /// KINSOL, then the minimum-norm method, with their defaults.
    public static let standard = NewtonSolver()

    /// The stricter of the two tolerances: a root either method accepts
    /// meets it only when the two agree, as `init(residualTolerance:…)` makes
    /// them.
    public var residualTolerance: Double { min(kinsol.residualTolerance, fallback.residualTolerance) }

    public func solve(_ system: any NonlinearSystem, from x0: [Double], constraints: [SignConstraint]? = nil)
        throws -> NewtonResult
    {
        let first = try kinsol.solve(system, from: x0, constraints: constraints)
        if first.isConverged {
            var nullity: Int?
            let jacobian = try system.jacobian(first.solution)
            if jacobian.elements.allSatisfy(\.isFinite) {
                nullity = try fallback.nullity(of: jacobian, isSymmetric: system.isSymmetric)
            }
            return NewtonResult(
                solution: first.solution, residual: first.residual, iterations: first.iterations,
                residualEvaluations: first.residualEvaluations, jacobianEvaluations: first.jacobianEvaluations + 1,
                status: first.status, nullity: nullity, method: first.method)
        }
        let second = try fallback.solve(system, from: x0, constraints: constraints)
        return NewtonResult(
            solution: second.solution, residual: second.residual, iterations: first.iterations + second.iterations,
            residualEvaluations: first.residualEvaluations + second.residualEvaluations,
            jacobianEvaluations: first.jacobianEvaluations + second.jacobianEvaluations,
            status: second.status, nullity: second.nullity, method: second.method,
            precedingAttempts: [first.asAttempt])
    }
}
