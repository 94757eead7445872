import EBMCore

/// How near one flow came to the fixed point that Newton found from one of
/// its plateaus (or from its end), measured on the effective model:
///
///     δ(t) = max_A |J_A(θ(t)) - J_A(θ*)|     (A ≠ ∅, all 2^n - 1 couplings)
///
/// The flow is **near** `θ*` at a sample when `δ(t) ≤ nearRadius`. The
/// distance is the effective model's, so every point of a set of fixed
/// points with one effective model (e.g. an rbm's `W = 0` with any hidden
/// biases) is as near as any other.
///
/// - `seedDistance`: `δ` at the plateau the seed came from (at the end of
///   the flow for the last seed): whether the flow itself passed near the
///   point Newton found, not only started Newton towards it.
/// - `timeNear`: the time the flow spent near `θ*`, the sum of the sample
///   intervals `[t_i, t_{i+1}]` with both ends near (on the flow's
///   logarithmic sample grid, so to its resolution, a ratio of about 1.1
///   between successive samples for 200 samples over 8 decades).
public struct FlowPassage: Codable, Sendable, Equatable {
    /// Bit patterns, so that a checkpoint restores the same doubles.
    let distance: UInt64
    let time: UInt64

    public var seedDistance: Double { Double(bitPattern: distance) }
    public var timeNear: Double { Double(bitPattern: time) }

    /// Near: within this of the fixed point's couplings, in every coupling.
    public static let nearRadius = 0.05

    public var isNear: Bool { seedDistance <= Self.nearRadius }

    /// `seedSample`: the time of the plateau the seed came from, nil for the end.
    init(_ trajectory: Trajectory, seedSample: Double?, seed: NewtonRecord, objective: LearningObjective) {
        guard case let .solved(result) = seed.outcome, result.isConverged else {
            distance = Double.infinity.bitPattern
            time = 0.0.bitPattern
            return
        }
        let couplings = Walsh.canonicalOrder(objective.evaluate(result.solution).couplings)
        func delta(_ sample: TrajectorySample) -> Double {
            zip(sample.couplings, couplings).map { abs($0 - $1) }.max() ?? 0
        }
        let samples = trajectory.samples
        let near = samples.map { delta($0) <= Self.nearRadius }
        var total = 0.0
        for i in 0..<(samples.count - 1) where near[i] && near[i + 1] { total += samples[i + 1].time - samples[i].time }
        let at = seedSample.flatMap { t in samples.first { $0.time == t } } ?? trajectory.final
        distance = delta(at).bitPattern
        time = total.bitPattern
    }
}
