/// A sign constraint on one unknown, kept by every iterate (KINSOL's
/// `KINSetConstraints` values in brackets). A step that would break one is
/// shortened to 0.9 of the distance to the boundary, as KINSOL does; bounds
/// `a <= x_i <= b` are imposed with auxiliary unknowns `l = x_i - a >= 0`,
/// `L = x_i - b <= 0` and the equations `l - x_i + a = 0`, `L - x_i + b = 0`
/// (see SUNDIALS' `kinFerTron_dns` example).
public enum SignConstraint: Double, Sendable, Equatable, CaseIterable {
    /// No constraint [0].
    case unconstrained = 0
    /// x_i >= 0 [1].
    case nonNegative = 1
    /// x_i <= 0 [-1].
    case nonPositive = -1
    /// x_i > 0 [2].
    case positive = 2
    /// x_i < 0 [-2].
    case negative = -2

    /// Whether `value` satisfies the constraint.
    public func isSatisfied(by value: Double) -> Bool {
        switch self {
        case .unconstrained: return true
        case .nonNegative: return value >= 0
        case .nonPositive: return value <= 0
        case .positive: return value > 0
        case .negative: return value < 0
        }
    }
}

extension Array where Element == SignConstraint {
    /// Checks that `point` has one entry per constraint and meets them all;
    /// `argument` names the point in the error.
    func validate(_ point: [Double], argument: String) throws {
        guard count == point.count else {
            throw InvalidArgumentError(
                argument: "constraints", reason: "has \(count) entries, the system has dimension \(point.count)")
        }
        if let i = indices.first(where: { !self[$0].isSatisfied(by: point[$0]) }) {
            throw InvalidArgumentError(
                argument: argument, reason: "component \(i) = \(point[i]) breaks the constraint \(self[i])")
        }
    }

    /// KINSOL's step restriction (`KINConstraint`): the largest fraction
    /// τ <= 1 of `step` such that `point + τ step` meets every constraint,
    /// namely τ = 0.9 min_i |x_i| / |δ_i| over the components the full step
    /// would break; 1 if it breaks none.
    func admissibleFraction(from point: [Double], step: [Double]) -> Double {
        var fraction = 1.0
        var broken = false
        for i in indices where !self[i].isSatisfied(by: point[i] + step[i]) {
            broken = true
            fraction = Swift.min(fraction, abs(point[i]) / abs(step[i]))
        }
        return broken ? 0.9 * fraction : 1
    }
}
