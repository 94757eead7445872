/// A root found by `Deflation.findRoots`, with how it was found.
public struct DeflationRoot: Sendable {
    /// The root, refined by Newton on the undeflated system.
    public let solution: [Double]
    /// The index into `starts` of the start Newton ran from.
    public let start: Int
    /// 1 for the first Newton solve from that start, 2 for the solve after
    /// the first new root from it was deflated, and so on.
    public let round: Int
    /// How many points (roots and their images) were deflated in that solve.
    public let deflatedPoints: Int
    /// The refinement on the undeflated system; its status is `.converged`
    /// and its |F|∞ is within the deflation's residual tolerance.
    public let refinement: NewtonResult
    /// The symmetry images of `solution` that were deflated with it (itself
    /// excluded, duplicates removed).
    public let images: [[Double]]
}
