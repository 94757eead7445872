import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// Readings of a sampled trajectory used to seed and label fixed points.
public enum TrajectoryDiagnostics {
    /// Escape to infinity: over the last decade of time `[t/10, t]` the
    /// parameter norm still grows (a saturating unit grows like `log t`)
    /// while the effective couplings have nearly stopped moving.
    public struct Escape: Sendable, Equatable {
        /// `|θ(t)| - |θ(t/10)|`.
        public let normGrowth: Double
        /// `|J(t) - J(t/10)|`.
        public let couplingChange: Double
    }

    /// Growth of `|θ|` over the last decade above which a trajectory that
    /// did not converge counts as escaping (`log t` growth gives `c ln 10`
    /// per decade; 0.1 allows saturating units with small `c`).
    public static let escapeGrowth = 0.1
    /// The couplings must move less than this fraction of the norm growth.
    public static let escapeCouplingRatio = 0.1

    /// Detects an escape to infinity at the end of `trajectory`; nil when the
    /// trajectory converged or is still moving in the effective model.
    public static func escape(_ trajectory: Trajectory) -> Escape? {
        guard trajectory.stopReason == .endTime, trajectory.samples.count >= 3 else { return nil }
        let end = trajectory.final
        guard let earlier = trajectory.samples.last(where: { $0.time <= end.time / 10 }), earlier.time > 0 else { return nil }
        let growth = Vector.norm(end.parameters) - Vector.norm(earlier.parameters)
        let change = Vector.norm(Vector.difference(end.couplings, earlier.couplings))
        guard growth > escapeGrowth, change < escapeCouplingRatio * growth else { return nil }
        return Escape(normGrowth: growth, couplingChange: change)
    }

    /// Interior samples where `|∇L|` has a strict local minimum: passes near
    /// saddles (plateaus), whose Newton polish finds the spurious points the
    /// dynamics visits. The last sample is excluded.
    public static func plateaus(_ trajectory: Trajectory) -> [TrajectorySample] {
        let s = trajectory.samples
        guard s.count >= 3 else { return [] }
        var out: [TrajectorySample] = []
        for i in 1..<(s.count - 1) where s[i].gradientNorm < s[i - 1].gradientNorm && s[i].gradientNorm < s[i + 1].gradientNorm {
            out.append(s[i])
        }
        return out
    }
}
