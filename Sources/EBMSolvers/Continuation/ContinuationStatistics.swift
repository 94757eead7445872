/// Counters of one `continuation(_:_:)` run.
public struct ContinuationStatistics: Sendable, Equatable {
    /// Steps that added a point.
    public var acceptedSteps = 0
    /// Steps retried shorter: the corrector failed (no convergence within
    /// `maxCorrectorIterations`, a singular bordered matrix, non-finite
    /// values), the correction moved farther than the step, or the tangent
    /// turned too far.
    public var rejectedSteps = 0
    /// Newton iterations of every corrector, location included.
    public var correctorIterations = 0
    /// Corrected points used to locate special points.
    public var locationIterations = 0
    public var residualEvaluations = 0
    /// Evaluations of `F_x` and `F_λ` (counted together).
    public var jacobianEvaluations = 0

    public init() {}
}
