import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// Sample times of a trajectory on `[0, stop time]`.
public enum SampleSpacing: Sendable, Equatable {
    /// `t = 0`, then `count - 1` times log-spaced from `firstTime` to the stop time.
    case logarithmic(firstTime: Double)
    /// `count` times evenly spaced from 0 to the stop time.
    case linear
}

public struct TrajectorySampling: Sendable, Equatable {
    public var count: Int
    public var spacing: SampleSpacing

    public init(count: Int = 400, spacing: SampleSpacing = .logarithmic(firstTime: 1e-3)) {
        precondition(count >= 2, "a trajectory needs at least 2 samples")
        self.count = count
        self.spacing = spacing
    }

    /// The sample times up to `stopTime`, increasing, first 0, last `stopTime`.
    public func times(until stopTime: Double) -> [Double] {
        switch spacing {
        case .linear:
            return (0..<count).map { stopTime * Double($0) / Double(count - 1) }
        case let .logarithmic(first):
            if stopTime <= first { return [0, stopTime] }
            let m = count - 1
            let ratio = stopTime / first
            var out = [0.0]
            for i in 0..<m {
                out.append(i == m - 1 ? stopTime : first * pow(ratio, Double(i) / Double(m - 1)))
            }
            return out
        }
    }
}

/// One point of a trajectory with what the outputs show about it.
public struct TrajectorySample: Sendable {
    public let time: Double
    /// All model parameters (frozen ones included).
    public let parameters: [Double]
    public let loss: Double
    public let gradientNorm: Double
    /// Effective couplings `J_a`, `a ≠ 0`, canonical interaction order.
    public let couplings: [Double]
    /// Moments `m_a(p_θ)`, `a ≠ 0`, canonical interaction order.
    public let moments: [Double]

    /// The sample at the free parameters `free`, through `workspace`'s
    /// all-states passes (the kernels the flow's right-hand side runs).
    init(time: Double, free: [Double], workspace: ObjectiveWorkspace) {
        let snapshot = ModelSnapshot(free: free, workspace: workspace)
        self.time = time
        parameters = workspace.objective.fullParameters(free)
        loss = workspace.loss
        gradientNorm = Vector.norm(workspace.gradient)
        couplings = snapshot.couplings
        moments = snapshot.moments
    }
}

/// The sampled solution of a gradient-flow problem.
public struct Trajectory: Sendable {
    public let samples: [TrajectorySample]
    public let stopReason: FlowStopReason
    public let stopTime: Double
    /// Free parameters at the stop time (exactly the integrator's state).
    public let finalFreeParameters: [Double]
    public let statistics: SolverStatistics
    public let linearSolver: String

    public var final: TrajectorySample { samples[samples.count - 1] }
}

extension GradientFlow {
    /// Integrates from `θ(0)` and samples the trajectory at
    /// `sampling.times(until: stop time)`, reading CVODE's interpolant
    /// (`CVodeGetDky`) rather than forcing steps onto the grid. When the flow
    /// stops early the stop time is known only afterwards, so a second pass
    /// samples on the grid that ends there. It integrates toward the same
    /// end time as the first (CVODE's initial step depends on it), so it
    /// takes the same steps and stops at the same one.
    /// `onStep` sees the time after every internal step (for progress; it
    /// may throw to stop the integration, e.g. at an interruption).
    public func sampledTrajectory(_ sampling: TrajectorySampling, onStep: ((Double) throws -> Void)? = nil) throws -> Trajectory {
        try restart()
        var (reason, samples) = try samplingPass(grid: sampling.times(until: problem.endTime), until: problem.endTime, onStep: onStep)
        if reason == .gradientTolerance {
            let stopTime = time
            try restart()
            (reason, samples) = try samplingPass(grid: sampling.times(until: stopTime), until: problem.endTime, onStep: onStep)
        }
        return Trajectory(samples: samples, stopReason: reason, stopTime: time,
                          finalFreeParameters: state, statistics: statistics, linearSolver: linearSolverName)
    }

    private func samplingPass(grid: [Double], until end: Double, onStep: ((Double) throws -> Void)?) throws -> (FlowStopReason, [TrajectorySample]) {
        // A workspace of its own: the flow's keeps the point of its last right-hand side.
        let workspace = ObjectiveWorkspace(objective: problem.objective, parallelism: system.workspace.parallelism)
        var pending = grid[...]
        var samples: [TrajectorySample] = []
        func take(upTo t: Double) throws {
            while let next = pending.first, next <= t {
                let theta = next == 0 ? problem.initialParameters : (next == t ? state : try parameters(at: next))
                samples.append(TrajectorySample(time: next, free: theta, workspace: workspace))
                pending.removeFirst()
            }
        }
        try take(upTo: 0)
        let reason = try integrate(until: end, afterStep: { t in
            try take(upTo: t)
            try onStep?(t)
        })
        // The last grid time is the stop time itself.
        if !pending.isEmpty {
            samples.append(TrajectorySample(time: time, free: state, workspace: workspace))
        }
        return (reason, samples)
    }
}

#if canImport(Glibc)
import Glibc
#endif
