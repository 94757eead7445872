#if canImport(Glibc)
import Glibc
#endif

/// A one-parameter family of targets `q_λ` with `∂q_λ/∂λ`, for continuation:
/// - `beta`: `q_β ∝ exp(β Σ_{a≠0} J*_a χ_a)`, `∂q/∂β = q (f - E_q f)`, `f = Σ J*_a χ_a`;
/// - `mix`: `q_λ = (1 - λ) u + λ q`, `∂q/∂λ = q - u`;
/// - `coupling(a)`: `J*_a = λ`, `∂q/∂λ = q (χ_a - m_a(q))`;
/// - `pseudocount`: `q_α = (c + α) / (N + α 2^n)`, `∂q/∂α = (1 - 2^n q_α) / (N + α 2^n)`.
public struct TargetFamily: Sendable {
    public enum Parameter: Sendable, Equatable {
        case beta
        case mix
        case coupling(mask: Int)
        case pseudocount
    }

    public let parameter: Parameter
    public let spins: Int
    /// The base target's couplings (beta, coupling) or probabilities (mix).
    let base: Target
    /// Sample counts per state (pseudocount).
    let counts: [Double]?

    public init(parameter: Parameter, base: Target, counts: [Double]? = nil) throws {
        if parameter == .pseudocount && counts == nil {
            throw TargetError("continuation in the pseudocount needs a data target")
        }
        if case let .coupling(mask) = parameter, mask <= 0 || mask >= base.stateCount {
            throw TargetError("coupling \(Walsh.couplingName(mask)) does not exist for \(base.spins) spins")
        }
        self.parameter = parameter
        self.spins = base.spins
        self.base = base
        self.counts = counts
    }

    public func target(at lambda: Double) throws -> Target {
        switch parameter {
        case .beta:
            return try base.atInverseTemperature(lambda)
        case .mix:
            guard lambda >= 0 && lambda <= 1 else { throw TargetError("the mixture weight must be in [0, 1], got \(lambda)") }
            let u = 1 / Double(base.stateCount)
            return try Target(spins: spins, unnormalisedLogProbabilities: base.probabilities.map { log((1 - lambda) * u + lambda * $0) })
        case let .coupling(mask):
            var j = base.couplings
            j[0] = 0
            j[mask] = lambda
            Walsh.transform(&j)
            return try Target(spins: spins, unnormalisedLogProbabilities: j)
        case .pseudocount:
            guard lambda >= 0 else { throw TargetError("the pseudocount must be >= 0, got \(lambda)") }
            return try Target.table(spins: spins, probabilities: counts!.map { $0 + lambda })
        }
    }

    /// `∂q_λ/∂λ` over all states.
    public func derivative(at lambda: Double, target q: Target) -> [Double] {
        let p = q.probabilities
        switch parameter {
        case .beta:
            var f = base.couplings
            f[0] = 0
            Walsh.transform(&f)
            var mean = 0.0
            for x in p.indices { mean += p[x] * f[x] }
            return p.indices.map { p[$0] * (f[$0] - mean) }
        case .mix:
            let u = 1 / Double(base.stateCount)
            return base.probabilities.map { $0 - u }
        case let .coupling(mask):
            let m = q.moments[mask]
            return p.indices.map { p[$0] * (Walsh.character(mask, $0) - m) }
        case .pseudocount:
            let total = counts!.reduce(0, +) + lambda * Double(q.stateCount)
            return p.map { (1 - Double(q.stateCount) * $0) / total }
        }
    }
}
