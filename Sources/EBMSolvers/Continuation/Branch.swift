/// The result of `continuation(_:_:)`: a sampled piece of the solution curve
/// of `F(x, λ) = 0`, its special points in order of arclength, why it ended,
/// and counters.
public struct Branch {
    /// One corrected point of the curve.
    public struct Point: Sendable, Equatable {
        public let x: [Double]
        /// λ.
        public let parameter: Double
        /// The unit tangent `(ẋ, λ̇)` in `ℝⁿ⁺¹`, oriented along the branch.
        public let tangent: [Double]
        /// Pseudo-arclength from the first point.
        public let arclength: Double
        public let stability: StabilityIndicator
        /// The unit vector the step reaching this point was taken along (the
        /// previous point's tangent or secant); nil at the first point. With
        /// it `σ ↦ point of ⟨d, z - z_prev⟩ = σ` parameterises the step.
        let stepDirection: [Double]?
    }

    /// Why the branch ended.
    public enum Status: String, Sendable, Equatable {
        /// λ reached `λmin` or `λmax`; the last point lies on it.
        case reachedBound
        /// `maxPoints` points were computed.
        case maxPoints
        /// A step was rejected at the minimum step size.
        case stepTooSmall
        /// The problem's `arclengthLimit` was travelled.
        case reachedArclengthLimit
        /// The system threw an error the corrector cannot step around
        /// (`Branch.failure` says which); the points so far are kept.
        case failed
    }

    public let problem: ContinuationProblem
    public let method: PseudoArclength
    public let points: [Point]
    /// Sorted by arclength.
    public let specialPoints: [SpecialPoint]
    public let status: Status
    /// Why a `.failed` branch ended (the system's error); nil otherwise.
    public let failure: String?
    public let statistics: ContinuationStatistics

    /// The special points of one kind, in order of arclength.
    public func specialPoints(_ kind: SpecialPoint.Kind) -> [SpecialPoint] {
        specialPoints.filter { $0.kind == kind }
    }

    /// λ at every point, for plotting.
    public var parameters: [Double] { points.map(\.parameter) }
}
