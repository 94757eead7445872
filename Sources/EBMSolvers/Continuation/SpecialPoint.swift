/// A point of a branch where something happens, located between two
/// computed points by a root of a test function `g(s)` of the arclength.
///
/// | kind              | test function `g`                                   |
/// |-------------------|-----------------------------------------------------|
/// | `.fold`           | `dλ/ds`, the tangent's λ-component                  |
/// | `.branchPoint`    | symmetric `F_x`: the eigenvalue crossing zero;      |
/// |                   | otherwise `det F_x / |det F_x|` at the bracket's    |
/// |                   | start (LU, so no overflow)                          |
/// | `.stabilityChange`| the eigenvalue crossing zero (symmetric `F_x` only) |
/// | `.boundary`       | `λ - λbound` (the last point is placed on it)       |
///
/// A fold is a sign change of `dλ/ds`; a branch point a sign change of
/// `det F_x` while `dλ/ds` keeps its sign (for symmetric `F_x`: the
/// negative-eigenvalue count changes by an odd number). For a gradient
/// system both are also stability changes, and a `.stabilityChange` is
/// reported alongside, at its own located point.
///
/// Accuracy: folds are located to `locationTolerance` in `dλ/ds` (λ itself,
/// being stationary there, far better). A branch point is located on points
/// the corrector accepts at `‖F‖∞ ≤ correctorTolerance`, and near a branch
/// point that test holds within about `√correctorTolerance` of it on either
/// branch, so a generic branch point is found only to about
/// `√correctorTolerance` (exactly, on a branch the corrector reproduces
/// exactly, such as a trivial branch `x = 0`). Its tangent is the bracketing
/// tangents interpolated and projected onto the two-dimensional kernel of
/// `[F_x | F_λ]`; branch switching needs only its direction.
public struct SpecialPoint: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case fold
        case branchPoint
        case stabilityChange
        case boundary
    }

    public let kind: Kind
    public let x: [Double]
    public let parameter: Double
    /// Arclength of the located point.
    public let arclength: Double
    /// An interval of arclength known to contain the root of the test
    /// function (`[s, s]` for a boundary).
    public let arclengthInterval: ClosedRange<Double>
    /// The test function at the located point.
    public let testFunction: Double
    /// Whether `|testFunction| ≤ locationTolerance` was reached (or the
    /// bracket shrank to rounding); false means the point is only the best
    /// of the bracket.
    public let isLocated: Bool
    /// The branch's unit tangent `(ẋ, λ̇)` at the located point.
    public let tangent: [Double]
    /// Branch points: the unit null vector `φ` of `F_x` (the eigenvector of
    /// the eigenvalue nearest zero for symmetric systems), its largest
    /// component positive. Nil for other kinds.
    public let nullVector: [Double]?
    /// The stability indicators at the computed points bracketing the
    /// special point.
    public let stabilityBefore: StabilityIndicator
    public let stabilityAfter: StabilityIndicator
    /// The index in `Branch.points` of the computed point just before it.
    public let pointIndex: Int
}
