/// Follow the solution curve of `F(x, λ) = 0`, `F: ℝⁿ × ℝ → ℝⁿ`, from a
/// point `(x₀, λ₀)` while `λ` stays in `[λmin, λmax]`.
///
/// The curve is parameterised by (pseudo-)arclength `s` in `ℝⁿ⁺¹` with the
/// unweighted Euclidean norm, so it passes folds in `λ` where `λ` itself
/// would fail as a parameter. The starting point is first corrected by
/// Newton's method on `F(·, λ₀)` with `λ₀` held fixed; it need only be close
/// to the curve. The problem is solved by `continuation(_:_:)` with a method
/// such as `PseudoArclength`.
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
        arclengthLimit: Double = .infinity
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
        self.arclengthLimit = arclengthLimit
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
