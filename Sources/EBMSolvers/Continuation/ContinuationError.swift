/// Continuation could not start or a branch could not be switched. (Failures
/// along a branch are not errors: they end it with a `Branch.Status`.)
public enum ContinuationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Newton on `F(·, λ₀)` with `λ₀` fixed did not reach the corrector
    /// tolerance from the given start (a singular `F_x`, no convergence, or
    /// non-finite values). `residualNorm` is `‖F(x₀, λ₀)‖∞` at the start.
    case startingPointDidNotConverge(residualNorm: Double)
    /// `switchBranch` was handed a special point that is not a branch point.
    case notABranchPoint(SpecialPoint.Kind)
    /// The kernel direction of `F_x` is (numerically) the branch tangent
    /// itself, so there is no transverse direction to switch to.
    case noTransverseDirection
    /// The corrector on `(F, ⟨z - z_bp, τ⟩ - ε)` did not converge for any
    /// tried amplitude down to `amplitude`.
    case branchSwitchingFailed(amplitude: Double)
    /// The first point of the switched branch left the parameter range.
    case switchedBranchLeavesRange(parameter: Double)
    /// The caller's stop request was seen between two steps.
    case stopped

    public var description: String {
        switch self {
        case .startingPointDidNotConverge(let r):
            return "the starting point could not be corrected onto F(x, λ₀) = 0 (‖F(x₀, λ₀)‖∞ = \(r))"
        case .notABranchPoint(let kind):
            return "branch switching needs a branch point, got a \(kind.rawValue)"
        case .noTransverseDirection:
            return "the null vector of F_x is parallel to the branch tangent: no second branch to switch to"
        case .branchSwitchingFailed(let amplitude):
            return "the corrector found no point of the new branch (tried amplitudes down to \(amplitude))"
        case .switchedBranchLeavesRange(let parameter):
            return "the first point of the new branch, λ = \(parameter), lies outside the parameter range"
        case .stopped:
            return "continuation stopped on request"
        }
    }
}
