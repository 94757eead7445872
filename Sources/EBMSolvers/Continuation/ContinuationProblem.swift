/// Follow the solution curve of `F(x, λ) = 0`, `F: ℝⁿ × ℝ → ℝⁿ`, from a
/// point `(x₀, λ₀)` while `λ` stays in `[λmin, λmax]`.
///
/// The curve is parameterised by (pseudo-)arclength `s` in `ℝⁿ⁺¹` with the
/// unweighted Euclidean norm, so it passes folds in `λ` where `λ` itself
/// would fail as a parameter. The starting point is first corrected by
/// Newton's method on `F(·, λ₀)` with `λ₀` held fixed; it need only be close
/// to the curve. The problem is solved by `continuation(_:_:)` with a method
/// such as `PseudoArclength`.
/// A system defined only for λ in `parameterDomain` (a mixture weight in
/// [0, 1]): continuation never evaluates it outside — a predictor that
/// would leave the domain is cut, and a corrector iterate outside it is a
/// rejected step, not an error.
public protocol BoundedParameterSystem: ParameterizedSystem {
    var parameterDomain: ClosedRange<Double> { get }
}

public struct ContinuationProblem {
    /// Which way along the curve to start: the unit tangent `t = (ẋ, λ̇)` at
    /// the starting point is oriented by this.
    public enum Direction: Equatable, Sendable {
        /// `dλ/ds > 0` at the start.
        case increasing
        /// `dλ/ds < 0` at the start.
        case decreasing
        /// `⟨t, v⟩ > 0` for `v ∈ ℝⁿ⁺¹` (the `x` part then `λ`): used to start
        /// where `dλ/ds = 0` (at a fold, on a switched branch) and to
        /// continue a branch in a chosen direction.
        case along([Double])
    }

    public let system: any ParameterizedSystem
    /// `x₀`, `dimension` entries.
    public let start: [Double]
    /// `λ₀`, inside `parameterRange`.
    public let parameter: Double
    /// `[λmin, λmax]`: continuation stops on reaching either end, with the last
    /// point exactly on it.
    public let parameterRange: ClosedRange<Double>
    public let direction: Direction
    /// Continuation stops once this much pseudo-arclength has been travelled
    /// (the last step is shortened to land on it); `.infinity` for no limit.
    public let arclengthLimit: Double
    /// Ranges of some components of `x` (index → range): like
    /// `parameterRange`, a step that would leave one is cut to land exactly on
    /// its edge, where the branch ends. Two-parameter curves bound the first
    /// parameter, a component of their state, this way.
    public let componentBounds: [Int: ClosedRange<Double>]

    /// - Throws: `InvalidArgumentError` if `start` does not have
    ///   `system.dimension` finite entries, `parameter` is not finite or lies
    ///   outside `parameterRange`, the range's ends are not finite or are
    ///   equal, an `.along` vector does not have `dimension + 1` finite
    ///   entries or is zero, or `arclengthLimit` is not positive.
    public init(
        system: any ParameterizedSystem,
        start: [Double],
        parameter: Double,
        parameterRange: ClosedRange<Double>,
        direction: Direction = .increasing,
        arclengthLimit: Double = .infinity,
        componentBounds: [Int: ClosedRange<Double>] = [:]
    ) throws {
        let options = OptionChecks(owner: "ContinuationProblem")
        let n = system.dimension
        try options.require(n >= 1, "system", "the dimension must be at least 1, got \(n)")
        try options.require(
            start.count == n, "start", "has \(start.count) entries, the system's dimension is \(n)")
        if let i = start.firstIndex(where: { !$0.isFinite }) {
            throw options.refuse("start", "entry \(i) is \(start[i])")
        }
        try options.require(
            parameterRange.lowerBound.isFinite && parameterRange.upperBound.isFinite
                && parameterRange.lowerBound < parameterRange.upperBound,
            "parameterRange", "must be a finite interval with λmin < λmax, got \(parameterRange)")
        try options.require(
            parameter.isFinite && parameterRange.contains(parameter), "parameter",
            "λ₀ = \(parameter) lies outside \(parameterRange)")
        if case .along(let v) = direction {
            try options.require(
                v.count == n + 1, "direction",
                "the vector has \(v.count) entries, expected dimension + 1 = \(n + 1)")
            try options.require(
                v.allSatisfy(\.isFinite) && v.contains(where: { $0 != 0 }), "direction",
                "the vector must be finite and non-zero")
        }
        try options.require(
            arclengthLimit > 0 && !arclengthLimit.isNaN, "arclengthLimit", "must be positive, got \(arclengthLimit)")
        self.system = system
        self.start = start
        self.parameter = parameter
        self.parameterRange = parameterRange
        self.direction = direction
        for (i, range) in componentBounds.sorted(by: { $0.key < $1.key }) {
            try options.require(i >= 0 && i < n, "componentBounds", "component \(i) does not exist (dimension \(n))")
            try options.require(
                range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound
                    && range.contains(start[i]),
                "componentBounds", "component \(i) needs a finite interval containing its start \(start[i]), got \(range)")
        }
        if let domain = (system as? BoundedParameterSystem)?.parameterDomain {
            try options.require(
                domain.contains(parameterRange.lowerBound) && domain.contains(parameterRange.upperBound),
                "parameterRange", "\(parameterRange) leaves the system's parameter domain \(domain)")
        }
        self.arclengthLimit = arclengthLimit
        self.componentBounds = componentBounds
    }

    /// Every bounded coordinate of `z = (x, λ)`: λ (index n) and the bounded
    /// components, in index order.
    var bounds: [(index: Int, range: ClosedRange<Double>)] {
        componentBounds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [(system.dimension, parameterRange)]
    }

    /// The direction as a vector of `ℝⁿ⁺¹` the starting tangent must have a
    /// positive inner product with.
    var orientation: [Double] {
        let n = system.dimension
        switch direction {
        case .increasing: return [Double](repeating: 0, count: n) + [1]
        case .decreasing: return [Double](repeating: 0, count: n) + [-1]
        case .along(let v): return v
        }
    }
}
