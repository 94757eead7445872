import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// `p^(k)`: the maximum-entropy distribution whose moments of order `≤ k`
/// are those of `p`, i.e. the unique fixed point of the convex `ising(k)`
/// trained on `p` (minimiser of `KL(p || p_θ)`). By the Pythagorean relation
/// of exponential families `KL(p || p^(k)) = S(p^(k)) - S(p)`.
public struct MaximumEntropyProjection: Sendable {
    public let order: Int
    /// The couplings `θ_A`, `1 ≤ |A| ≤ k`, canonical order.
    public let parameters: [Double]
    /// `KL(p || p^(k))`.
    public let divergence: Double
    /// `log p^(k)(x)` for every state.
    public let logProbabilities: [Double]
    /// `max_{|A| ≤ k} |m_A(p^(k)) - m_A(p)|` (the gradient of the loss).
    public let momentMismatch: Double
    public let iterations: Int

    /// Newton stops once every moment of order `≤ k` matches within this.
    /// The divergence is stationary at the solution, so its error is of the
    /// order of `tolerance² / λ_min(Fisher)`.
    public static let momentTolerance = 1e-12
    public static let maximumIterations = 100

    /// Damped Newton on `L(θ) = KL(p || p_θ)` over `ising(k)`: the step
    /// solves `∇²L Δ = -∇L` with the dense Hessian (the Fisher matrix of the
    /// `χ_A`, `|A| ≤ k`; LAPACK `dgesv`) and is halved until the Armijo
    /// condition holds; inside the region of quadratic convergence (Newton
    /// decrement `-∇L·Δ < 1e-10`) the full step is taken, since the loss no
    /// longer resolves the decrease. Starts from `start`, or from `p`'s own
    /// couplings of order `≤ k` when nil.
    public static func of(_ p: Target, order k: Int, start: [Double]? = nil) throws -> MaximumEntropyProjection {
        let model = GeneralisedIsingModel(spins: p.spins, order: k)
        let objective = LearningObjective(model: model, target: p)
        var theta = start ?? model.interactions.map { p.couplings[$0] }
        precondition(theta.count == model.parameterCount, "start has the wrong number of couplings")
        var evaluation = objective.evaluate(theta)
        var gradient = evaluation.gradient
        var iterations = 0
        while Vector.maxAbs(gradient) > momentTolerance && iterations < maximumIterations {
            iterations += 1
            let step = try LAPACK.solve(evaluation.hessian(), gradient.map { -$0 })
            let slope = Vector.dot(gradient, step)
            guard slope < 0 else { break }
            var alpha = 1.0
            var trial = objective.evaluate(zip(theta, step).map { $0 + alpha * $1 })
            if -slope >= 1e-10 {
                while trial.loss > evaluation.loss + 1e-4 * alpha * slope && alpha > 1e-12 {
                    alpha /= 2
                    trial = objective.evaluate(zip(theta, step).map { $0 + alpha * $1 })
                }
            }
            if alpha <= 1e-12 { break }
            theta = trial.free
            evaluation = trial
            gradient = evaluation.gradient
        }
        return MaximumEntropyProjection(order: k, parameters: theta, divergence: evaluation.loss,
                                        logProbabilities: evaluation.logProbabilities,
                                        momentMismatch: Vector.maxAbs(gradient), iterations: iterations)
    }
}

/// The connected information of `p` by order (Amari 2001; Schneidman et
/// al. 2003):
///
///     I_k(p) = S(p^(k-1)) - S(p^(k)) = KL(p || p^(k-1)) - KL(p || p^(k)),
///
/// `p^(0)` uniform, `p^(n) = p`; the `I_k ≥ 0` split
/// `Σ_k I_k(p) = KL(p || uniform) = n log 2 - S(p)` by interaction order.
public struct ConnectedInformation: Sendable, Equatable {
    /// `I_k`, `k = 1 ... n` at `k - 1`.
    public let perOrder: [Double]
    /// `KL(p || p^(k))`, `k = 0 ... n` at `k`.
    public let divergences: [Double]
    /// The worst moment mismatch of the projections (see
    /// `MaximumEntropyProjection.momentTolerance`).
    public let momentMismatch: Double

    /// `Σ_k I_k = KL(p || uniform)`.
    public var total: Double { divergences[0] }
}

/// Connected information along a trajectory: each projection `p^(k)` is
/// started from the previous call's solution of the same order, which is
/// close when the calls follow the flow. Costs `n - 1` Newton solves per
/// call, each `O(P_k² 2^n)` per iteration with `P_k = Σ_{j≤k} C(n, j)`.
public struct ConnectedInformationSolver {
    public let spins: Int
    private var previous: [[Double]?]

    public init(spins: Int) {
        self.spins = spins
        previous = Array(repeating: nil, count: spins)
    }

    public mutating func information(of p: Target) throws -> ConnectedInformation {
        precondition(p.spins == spins)
        let n = spins
        var divergences = [Double](repeating: 0, count: n + 1)
        divergences[0] = Double(n) * log(2) - p.entropy
        var mismatch = 0.0
        for k in 1..<n {
            let projection = try MaximumEntropyProjection.of(p, order: k, start: previous[k])
            previous[k] = projection.parameters
            divergences[k] = projection.divergence
            mismatch = max(mismatch, projection.momentMismatch)
        }
        let perOrder = (1...n).map { divergences[$0 - 1] - divergences[$0] }
        return ConnectedInformation(perOrder: perOrder, divergences: divergences, momentMismatch: mismatch)
    }

    /// `I_k(p_θ)` at every sample of a trajectory, in order (warm starts
    /// follow the flow). `afterSample(k)` hears each finished sample (for
    /// progress and stop requests: 400 samples at 8 spins take seconds).
    public static func along(_ trajectory: Trajectory, model: any EnergyModel,
                             afterSample: ((Int) throws -> Void)? = nil) throws -> [ConnectedInformation] {
        var solver = ConnectedInformationSolver(spins: model.spins)
        return try trajectory.samples.enumerated().map { k, sample in
            let logw = model.evaluate(sample.parameters).energies.map { -$0 }
            let information = try solver.information(of: Target(spins: model.spins, unnormalisedLogProbabilities: logw))
            try afterSample?(k)
            return information
        }
    }
}
