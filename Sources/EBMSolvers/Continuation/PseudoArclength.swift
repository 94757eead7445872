/// Step-length control of pseudo-arclength continuation: the step `h` starts
/// at `initial`, is multiplied by `shrinkFactor` after a rejected step (the
/// corrector failed, or the tangent turned by more than
/// `maximumTurningAngle`) and by `growthFactor` after a step whose corrector
/// needed at most `easyCorrectorIterations` Newton iterations, always within
/// `[minimum, maximum]`. A step rejected at `minimum` ends the continuation
/// (`Branch.Status.stepTooSmall`).
public struct StepControl: Sendable, Equatable {
    public let initial: Double
    public let minimum: Double
    public let maximum: Double
    /// ≥ 1 (1 keeps the step constant after easy corrections).
    public let growthFactor: Double
    /// In (0, 1).
    public let shrinkFactor: Double
    /// ≥ 0: corrections needing this many Newton iterations or fewer count as
    /// easy.
    public let easyCorrectorIterations: Int
    /// In (0, π] radians: the largest angle between the tangents at two
    /// consecutive points; a larger turn means the step skipped over detail
    /// (or jumped to another branch) and is retried shorter, unless the step
    /// is already `minimum`.
    public let maximumTurningAngle: Double

    /// - Throws: `InvalidArgumentError` naming the first option out of range:
    ///   unless `0 < minimum ≤ initial ≤ maximum < ∞`, `growthFactor ≥ 1`,
    ///   `0 < shrinkFactor < 1`, `easyCorrectorIterations ≥ 0` and
    ///   `0 < maximumTurningAngle ≤ π`.
    public init(
        initial: Double,
        minimum: Double,
        maximum: Double,
        growthFactor: Double = 1.5,
        shrinkFactor: Double = 0.5,
        easyCorrectorIterations: Int = 3,
        maximumTurningAngle: Double = 0.5
    ) throws {
        let options = OptionChecks(owner: "StepControl")
        try options.positiveFinite(minimum, "minimum")
        try options.require(maximum.isFinite, "maximum", "must be finite, got \(maximum)")
        try options.require(
            minimum <= initial && initial <= maximum, "initial",
            "steps must satisfy 0 < minimum ≤ initial ≤ maximum, got minimum = \(minimum), "
                + "initial = \(initial), maximum = \(maximum)")
        try options.require(
            growthFactor >= 1 && growthFactor.isFinite, "growthFactor",
            "must be finite and at least 1, got \(growthFactor)")
        try options.require(
            shrinkFactor > 0 && shrinkFactor < 1, "shrinkFactor", "must lie in (0, 1), got \(shrinkFactor)")
        try options.require(
            easyCorrectorIterations >= 0, "easyCorrectorIterations",
            "must be non-negative, got \(easyCorrectorIterations)")
        try options.require(
            maximumTurningAngle > 0 && maximumTurningAngle <= Double.pi, "maximumTurningAngle",
            "must lie in (0, π], got \(maximumTurningAngle)")
        self.initial = initial
        self.minimum = minimum
        self.maximum = maximum
        self.growthFactor = growthFactor
        self.shrinkFactor = shrinkFactor
        self.easyCorrectorIterations = easyCorrectorIterations
        self.maximumTurningAngle = maximumTurningAngle
    }
}

/// Keller's pseudo-arclength continuation of `F(x, λ) = 0`. From a point
/// `z_k = (x_k, λ_k)` with unit tangent `t_k` (the null vector of the
/// augmented Jacobian `[F_x | F_λ]`, oriented by `⟨t_k, t_{k-1}⟩ > 0`):
///
///     predictor   z⁰ = z_k + h d_k,   d_k = t_k (tangent) or the unit secant
///                                     (z_k - z_{k-1}) / ‖z_k - z_{k-1}‖
///     corrector   Newton on  F(z) = 0,  ⟨d_k, z - z_k⟩ - h = 0,
///                 with the bordered Jacobian [[F_x, F_λ], [d_kᵀ]]
///                 (LU with partial pivoting, LAPACK dgesv),
///
/// accepted when `max(‖F‖∞, |⟨d_k, z - z_k⟩ - h|) ≤ correctorTolerance`
/// within `maxCorrectorIterations` iterations. The arclength coordinate of
/// the new point is `s_{k+1} = s_k + h`. Special points (folds, branch
/// points, stability changes) are located inside a step by a safeguarded
/// secant (Illinois) iteration on `σ ∈ (0, h)` until the test function is
/// below `locationTolerance` in magnitude.
///
/// Each step costs one O(n³) factorisation per Newton iteration plus one for
/// the tangent and one for the stability indicator (a symmetric
/// eigendecomposition, or an LU for non-symmetric systems).
///
/// The value is the *method* handed to `continuation(_:_:)`; it refuses
/// invalid options when built.
public struct PseudoArclength: Sendable, Equatable {
    public enum Predictor: Sendable, Equatable {
        /// Along the tangent `t_k`.
        case tangent
        /// Along the secant through the last two points (the tangent on the
        /// first step).
        case secant
    }

    public let step: StepControl
    /// The most points on a branch, the corrected starting point included; ≥ 2.
    public let maxPoints: Int
    /// > 0: the corrector stops when `‖F‖∞` and the arclength equation are
    /// below this.
    public let correctorTolerance: Double
    /// ≥ 1.
    public let maxCorrectorIterations: Int
    public let predictor: Predictor
    /// > 0: a special point is located when its test function is below this
    /// in magnitude (or its bracket has shrunk to rounding).
    public let locationTolerance: Double
    /// ≥ 1: the most corrected points one location may use.
    public let maxLocationIterations: Int

    /// - Throws: `InvalidArgumentError` naming the first option out of range:
    ///   `maxPoints < 2`, a non-positive or non-finite `correctorTolerance`
    ///   or `locationTolerance`, `maxCorrectorIterations < 1`,
    ///   `maxLocationIterations < 1`.
    public init(
        step: StepControl,
        maxPoints: Int = 1000,
        correctorTolerance: Double = 1e-10,
        maxCorrectorIterations: Int = 10,
        predictor: Predictor = .tangent,
        locationTolerance: Double = 1e-10,
        maxLocationIterations: Int = 60
    ) throws {
        let options = OptionChecks(owner: "PseudoArclength")
        try options.atLeast(maxPoints, 2, "maxPoints")
        try options.positiveFinite(correctorTolerance, "correctorTolerance")
        try options.atLeast(maxCorrectorIterations, 1, "maxCorrectorIterations")
        try options.positiveFinite(locationTolerance, "locationTolerance")
        try options.atLeast(maxLocationIterations, 1, "maxLocationIterations")
        self.step = step
        self.maxPoints = maxPoints
        self.correctorTolerance = correctorTolerance
        self.maxCorrectorIterations = maxCorrectorIterations
        self.predictor = predictor
        self.locationTolerance = locationTolerance
        self.maxLocationIterations = maxLocationIterations
    }
}
