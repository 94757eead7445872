/// What a point of a branch says about the stability of `x` as a zero of
/// `F(·, λ)`, read from `F_x`.
public enum StabilityIndicator: Sendable, Equatable, CustomStringConvertible {
    /// Symmetric systems: the number of eigenvalues of `F_x` below zero. For
    /// a gradient system `F = ∇L` that is the Morse index of the critical
    /// point (0 at a minimum, stable under the flow `ẋ = -∇L`).
    case negativeEigenvalues(Int)
    /// Non-symmetric systems: `sign(det F_x)` ∈ {-1, 0, +1} (LU). It changes
    /// where a real eigenvalue crosses zero; complex pairs crossing the
    /// imaginary axis (Hopf points) leave it unchanged.
    case determinantSign(Int)

    /// The count for symmetric systems, nil otherwise.
    public var negativeEigenvalueCount: Int? {
        if case .negativeEigenvalues(let count) = self { return count }
        return nil
    }

    /// `sign(det F_x)`: `(-1)^count` for symmetric systems (a zero eigenvalue
    /// is counted as non-negative there).
    public var signOfDeterminant: Int {
        switch self {
        case .negativeEigenvalues(let count): return count % 2 == 0 ? 1 : -1
        case .determinantSign(let sign): return sign
        }
    }

    public var description: String {
        switch self {
        case .negativeEigenvalues(let count): return "\(count) negative eigenvalue\(count == 1 ? "" : "s")"
        case .determinantSign(let sign): return "sign(det F_x) = \(sign)"
        }
    }
}
