#if canImport(Glibc)
import Glibc
#endif

/// A one-parameter family of targets `q_λ` with `∂q_λ/∂λ`, for continuation.
/// The scenario's inverse temperature `β` (`target.beta`) multiplies the
/// base couplings `J*` in every family but `beta`'s, where λ takes its place:
/// - `beta`: `q_λ ∝ exp(λ Σ_{a≠0} J*_a χ_a)`, `∂q/∂λ = q (f - E_q f)`, `f = Σ J*_a χ_a`;
/// - `mix`: `q_λ = (1 - λ) u + λ q_β`, `∂q/∂λ = q_β - u`;
/// - `coupling(a)`: `J*_a = λ`, then `β` multiplies, `∂q/∂λ = β q (χ_a - m_a(q))`;
/// - `pseudocount`: `q_α ∝ (c + α)^β` (the data's table `(c + α)/(N + α 2^n)`
///   at inverse temperature β), `∂q/∂α = β q (1/(c + α) - E_q[1/(c + α)])`.
public struct TargetFamily: Sendable {
    public enum Parameter: Sendable, Equatable {
        case beta
        case mix
        case coupling(mask: Int)
        case pseudocount
    }

    public let parameter: Parameter
    public let spins: Int
    /// The base target (before `beta`): its couplings (beta, coupling) or,
    /// at inverse temperature `beta`, its probabilities (mix).
    let base: Target
    /// The scenario's inverse temperature, fixed while λ moves (unused by `beta`).
    public let beta: Double
    /// `base` at inverse temperature `beta` (mix).
    let tempered: Target
    /// Sample counts per state (pseudocount).
    let counts: [Double]?

    public init(parameter: Parameter, base: Target, beta: Double = 1, counts: [Double]? = nil) throws {
        if parameter == .pseudocount && counts == nil {
            throw TargetError("continuation in the pseudocount needs a data target")
        }
        if case let .coupling(mask) = parameter, mask <= 0 || mask >= base.stateCount {
            throw TargetError("coupling \(Walsh.couplingName(mask)) does not exist for \(base.spins) spins")
        }
        self.parameter = parameter
        self.spins = base.spins
        self.base = base
        self.beta = beta
        tempered = try base.atInverseTemperature(beta)
        self.counts = counts
    }

    public func target(at lambda: Double) throws -> Target {
        switch parameter {
        case .beta:
            return try base.atInverseTemperature(lambda)
        case .mix:
            guard lambda >= 0 && lambda <= 1 else { throw TargetError("the mixture weight must be in [0, 1], got \(lambda)") }
            let u = 1 / Double(base.stateCount)
            return try Target(spins: spins, unnormalisedLogProbabilities: tempered.probabilities.map { log((1 - lambda) * u + lambda * $0) })
        case let .coupling(mask):
            var j = base.couplings
            j[0] = 0
            j[mask] = lambda
            Walsh.transform(&j)
            return try Target(spins: spins, unnormalisedLogProbabilities: j.map { beta * $0 })
        case .pseudocount:
            guard lambda >= 0 else { throw TargetError("the pseudocount must be >= 0, got \(lambda)") }
            return try Target.table(spins: spins, probabilities: counts!.map { $0 + lambda }).atInverseTemperature(beta)
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
            return tempered.probabilities.map { $0 - u }
        case let .coupling(mask):
            let m = q.moments[mask]
            return p.indices.map { beta * p[$0] * (Walsh.character(mask, $0) - m) }
        case .pseudocount:
            let counts = counts!
            if beta == 1 {
                // q_α = (c + α)/T exactly: finite where c + α = 0 too.
                let total = counts.reduce(0, +) + lambda * Double(q.stateCount)
                return p.map { (1 - Double(q.stateCount) * $0) / total }
            }
            // q/(c + α) = (c + α)^(β-1)/Z, taken as 0 where q = 0 (its limit for β > 1).
            let weighted = p.indices.map { p[$0] == 0 ? 0 : p[$0] / (counts[$0] + lambda) }
            let mean = weighted.reduce(0, +)
            return p.indices.map { beta * (weighted[$0] - p[$0] * mean) }
        }
    }
}

extension TargetFamily.Parameter {
    /// Where the parameter may go: a mixture weight in [0, 1], a pseudocount
    /// `>= 0`, anything finite otherwise.
    public var domain: ClosedRange<Double> {
        switch self {
        case .mix: return 0...1
        case .pseudocount: return 0...Double.infinity
        default: return -Double.infinity...Double.infinity
        }
    }
}

/// A two-parameter family of targets `q_{λ,μ}` with both derivatives, for
/// following folds and branch points in the plane of two parameters. The
/// parameters act in one order whichever is first: target couplings are
/// set (`J{...}`), then all couplings are multiplied by `beta`, and `mix`
/// applies last:
///
///     r ∝ exp(β Σ_{a≠0} J_a χ_a)   (J_a = the coupling's value where it is a parameter)
///     r_α = (c + α) / (N + α 2^n)  (pseudocount instead, which combines only with mix)
///     q = (1 - μ) u + μ r,
///
/// with `∂r/∂p = r (∂ℓ/∂p - E_r ∂ℓ/∂p)`, `ℓ = log r`, `∂ℓ/∂β = Σ J_a χ_a`,
/// `∂ℓ/∂J_a = β χ_a`, and `∂q/∂μ = r - u`, `∂q/∂p = μ ∂r/∂p` for the others.
/// A parameter that is not one of the two keeps the scenario's value
/// (`beta` as given, `mix` = 1).
public struct TwoParameterTargetFamily: Sendable {
    public let first: TargetFamily.Parameter
    public let second: TargetFamily.Parameter
    public let spins: Int
    let base: Target
    /// The scenario's inverse temperature, used when `beta` is not one of the two.
    public let beta: Double
    /// The one-parameter pseudocount family, when the pseudocount is one of the two.
    let pseudocount: TargetFamily?

    public init(first: TargetFamily.Parameter, second: TargetFamily.Parameter, base: Target, beta: Double = 1,
                counts: [Double]? = nil) throws {
        guard first != second else { throw TargetError("the two continuation parameters must differ") }
        let families = try [first, second].map { try TargetFamily(parameter: $0, base: base, beta: beta, counts: counts) }
        let pair = [first, second]
        if pair.contains(.pseudocount) && !pair.contains(.mix) {
            throw TargetError("the pseudocount combines only with mix in two parameters")
        }
        self.first = first
        self.second = second
        self.spins = base.spins
        self.base = base
        self.beta = beta
        pseudocount = families.first { $0.parameter == .pseudocount }
    }

    private func value(_ p: TargetFamily.Parameter, _ λ: Double, _ μ: Double) -> Double? {
        p == first ? λ : (p == second ? μ : nil)
    }

    /// `r` (before `mix`) and `∂r/∂λ`, `∂r/∂μ` (zero for `mix`).
    private func unmixed(_ λ: Double, _ μ: Double) throws -> (r: [Double], first: [Double], second: [Double]) {
        let states = base.stateCount
        func derivative(_ p: TargetFamily.Parameter, r: [Double], dl: (TargetFamily.Parameter) -> [Double]?) -> [Double] {
            guard let d = dl(p) else { return [Double](repeating: 0, count: states) }
            var mean = 0.0
            for x in 0..<states { mean += r[x] * d[x] }
            return (0..<states).map { r[$0] * (d[$0] - mean) }
        }
        if let table = pseudocount, let α = value(.pseudocount, λ, μ) {
            let tempered = try table.target(at: α)
            let r = tempered.probabilities
            let dr = table.derivative(at: α, target: tempered)
            let zero = [Double](repeating: 0, count: states)
            return (r, first == .pseudocount ? dr : zero, second == .pseudocount ? dr : zero)
        }
        var j = base.couplings
        j[0] = 0
        for p in [first, second] {
            if case let .coupling(mask) = p { j[mask] = value(p, λ, μ)! }
        }
        let β = value(.beta, λ, μ) ?? beta
        var f = j
        Walsh.transform(&f)
        let target = try Target(spins: spins, unnormalisedLogProbabilities: f.map { β * $0 })
        let r = target.probabilities
        let dl: (TargetFamily.Parameter) -> [Double]? = { p in
            switch p {
            case .beta: return f
            case let .coupling(mask): return (0..<states).map { β * Walsh.character(mask, $0) }
            default: return nil
            }
        }
        return (r, derivative(first, r: r, dl: dl), derivative(second, r: r, dl: dl))
    }

    /// `q_{λ,μ}` and its derivatives in `λ` and `μ` over all states.
    public func target(first λ: Double, second μ: Double) throws -> (target: Target, first: [Double], second: [Double]) {
        for (p, v) in [(first, λ), (second, μ)] where !p.domain.contains(v) {
            throw TargetError(p == .mix ? "the mixture weight must be in [0, 1], got \(v)" : "the pseudocount must be >= 0, got \(v)")
        }
        let (r, dλ, dμ) = try unmixed(λ, μ)
        guard let w = value(.mix, λ, μ) else {
            return (try Target(spins: spins, unnormalisedLogProbabilities: r.map { log($0) }), dλ, dμ)
        }
        let u = 1 / Double(base.stateCount)
        let q = try Target(spins: spins, unnormalisedLogProbabilities: r.map { log((1 - w) * u + w * $0) })
        let mixDerivative = r.map { $0 - u }
        return (q, first == .mix ? mixDerivative : dλ.map { w * $0 }, second == .mix ? mixDerivative : dμ.map { w * $0 })
    }
}
