/// What `homotopyRoots` found: every crossing of `λ = 1` along the Newton
/// homotopy path, each refined into a root of `F`, the distinct roots, and
/// the path itself (to plot, and to read its folds).
public struct HomotopyResult {
    /// One crossing of `λ = 1`.
    public struct Crossing: Sendable, Equatable {
        /// The located path point at `λ = 1` (before refinement).
        public let pathPoint: [Double]
        /// Its arclength along the path and the bracket it was located in.
        public let arclength: Double
        public let arclengthInterval: ClosedRange<Double>
        /// `dλ/ds` there: positive if the path crosses `λ = 1` upwards.
        public let parameterSlope: Double
        /// Folds (turning points in λ) passed on the path before it.
        public let foldsBefore: Int
        /// The root after dense Newton on `F` from `pathPoint`.
        public let root: [Double]
        /// `‖F(root)‖∞`.
        public let residualNorm: Double
        public let newtonIterations: Int
        /// Whether Newton reached `refinementTolerance`.
        public let converged: Bool
    }

    public let crossings: [Crossing]
    /// The converged roots, each once (crossings closer than
    /// `distinctRootTolerance` count once), in the order the path reaches
    /// them.
    public let roots: [[Double]]
    /// The homotopy path from `(x₀, λ = 0)`.
    public let path: Branch

    /// The path's turning points in λ.
    public var folds: [SpecialPoint] { path.specialPoints(.fold) }
    /// Why the path ended.
    public var status: Branch.Status { path.status }
}
