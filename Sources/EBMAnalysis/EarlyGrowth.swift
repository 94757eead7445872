#if canImport(Glibc)
import Glibc
#endif

/// The early growth of each order's couplings away from their initial
/// values,
///
///     g_k(t) = |J^(k)(t) - J^(k)(0)|,
///
/// summarised by its log-log slope `s_k = d log g_k / d log t`, the
/// least-squares slope of `log g_k` against `log t` over the trajectory's
/// samples with `t` in a window `[t_a, t_b]`. Samples where `g_k` is at the
/// rounding level of the couplings are left out (`noiseFloor`): from a small
/// initialisation the high orders do not move measurably for a while, and
/// the logarithm of rounding noise would enter the fit. Any smooth flow has `g_k ≈ |J^(k)'(0)| t` as `t -> 0` (slope 1);
/// from a small initialisation a model whose order-`k` couplings are
/// products of `k` small weights (an rbm's `J^(k) ~ W^k`) grows them like
/// the `k`-th power of the weights once those have left their initial
/// scale, so its slopes increase with `k` in the window after that.
public struct EarlyGrowth: Sendable, Equatable, Codable {
    /// `[t_a, t_b]`.
    public let window: [Double]
    /// `s_k`, `k = 1 ... n` at `k - 1`; nil where fewer than `minimumSamples`
    /// samples with `g_k` above the noise floor lie in the window.
    public let slopes: [Double?]
    /// Samples in the window.
    public let samples: Int

    public static let minimumSamples = 3

    /// From a trajectory's samples (couplings in canonical order).
    public init(_ trajectory: Trajectory, window: ClosedRange<Double>) {
        let spins = trajectory.samples.first.map { Self.spins(couplingCount: $0.couplings.count) } ?? 0
        let initial = trajectory.samples.first?.couplings ?? []
        let inside = trajectory.samples.filter { window.contains($0.time) && $0.time > 0 }
        self.window = [window.lowerBound, window.upperBound]
        samples = inside.count
        guard spins > 0 else {
            slopes = []
            return
        }
        let growth = inside.map { sample in (sample.time, InteractionOrders.distances(sample.couplings, initial, spins: spins)) }
        slopes = Self.slopes(growth, spins: spins)
    }

    /// The slope of each order from `(t, g)` pairs (`g` the distances of
    /// orders 1 ... n), over the points above `noiseFloor(spins:)`.
    public static func slopes(_ growth: [(time: Double, distances: [Double])], spins: Int) -> [Double?] {
        let floor = noiseFloor(spins: spins)
        return (0..<spins).map { k in
            slope(growth.compactMap { t, g in g[k] > floor ? (log(t), log(g[k])) : nil })
        }
    }

    /// A thousand times the rounding error of couplings computed by a
    /// Walsh–Hadamard transform of `log p` on `n` spins: `n` rounding steps
    /// on values of size up to `n log 2`, so about `n² ε`. A change in
    /// couplings below it is not a measured change.
    public static func noiseFloor(spins n: Int) -> Double { 1e3 * Double(n * n) * Double.ulpOfOne }

    /// The least-squares slope of `y` on `x`; nil for fewer than
    /// `minimumSamples` points or no spread in `x`.
    public static func slope(_ points: [(Double, Double)]) -> Double? {
        guard points.count >= minimumSamples else { return nil }
        let count = Double(points.count)
        let meanX = points.map(\.0).reduce(0, +) / count
        let meanY = points.map(\.1).reduce(0, +) / count
        let sxx = points.map { ($0.0 - meanX) * ($0.0 - meanX) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        return points.map { ($0.0 - meanX) * ($0.1 - meanY) }.reduce(0, +) / sxx
    }

    /// `n` from `2^n - 1` couplings.
    static func spins(couplingCount: Int) -> Int {
        var n = 0
        while (1 << n) - 1 < couplingCount { n += 1 }
        return n
    }
}
