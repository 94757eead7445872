#if canImport(Glibc)
import Glibc
#endif

/// A target that cannot be built, with what to change.
public struct TargetError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The strictly positive target distribution `q` over `2^n` states, with
/// its moments `m(q) = H q` and couplings `J* = 2^-n H log q`.
public struct Target: Sendable {
    public let spins: Int
    public let probabilities: [Double]
    public let logProbabilities: [Double]
    /// `J*_a` for every `a` (index 0 holds `-log Z`).
    public let couplings: [Double]
    /// `m_a(q)` for every `a` (`m_0 = 1`).
    public let moments: [Double]

    public var stateCount: Int { 1 << spins }

    /// From log-probabilities (any additive constant); the only initialiser
    /// the others go through.
    public init(spins: Int, unnormalisedLogProbabilities logw: [Double]) throws {
        guard spins >= 1 && spins <= Walsh.maximumSpins else {
            throw TargetError("spins must be in 1...\(Walsh.maximumSpins), got \(spins)")
        }
        guard logw.count == 1 << spins else {
            throw TargetError("expected \(1 << spins) log-probabilities for \(spins) spins, got \(logw.count)")
        }
        if let bad = logw.firstIndex(where: { !$0.isFinite }) {
            throw TargetError("state \(bad) has a non-finite log-probability; the target must be strictly positive and finite")
        }
        let (p, logp) = Distribution.boltzmann(energies: logw.map { -$0 })
        self.spins = spins
        self.probabilities = p
        self.logProbabilities = logp
        self.couplings = Distribution.couplings(logProbabilities: logp)
        self.moments = Distribution.moments(p)
    }

    /// `q ∝ exp(Σ_A J*_A χ_A)` from couplings given as `(mask, value)`.
    public init(spins: Int, couplings list: [(mask: Int, value: Double)]) throws {
        guard spins >= 1 && spins <= Walsh.maximumSpins else {
            throw TargetError("spins must be in 1...\(Walsh.maximumSpins), got \(spins)")
        }
        var j = [Double](repeating: 0, count: 1 << spins)
        for (mask, value) in list {
            guard mask > 0 && mask < 1 << spins else {
                throw TargetError("coupling on sites \(Walsh.sites(of: mask)) is outside 0..<\(spins)")
            }
            j[mask] += value
        }
        Walsh.transform(&j)
        try self.init(spins: spins, unnormalisedLogProbabilities: j)
    }

    /// `J*_A ~ Normal(0, scale_k²)` for every subset of each listed order,
    /// drawn in canonical interaction order from `seed`.
    public static func random(spins: Int, seed: UInt64, orders: [Int], scales: [Double]) throws -> Target {
        guard orders.count == scales.count else {
            throw TargetError("need one scale per order: \(orders.count) orders, \(scales.count) scales")
        }
        var generator = SeededGenerator(seed: seed)
        var list: [(mask: Int, value: Double)] = []
        let scaleOfOrder = Dictionary(uniqueKeysWithValues: zip(orders, scales))
        for a in Walsh.allInteractions(spins: spins) {
            guard let scale = scaleOfOrder[Walsh.order(a)] else { continue }
            list.append((a, scale * generator.nextNormal()))
        }
        return try Target(spins: spins, couplings: list)
    }

    /// `q ∝ exp(strength χ_{all spins} + Σ lower couplings)`.
    public static func parity(spins: Int, strength: Double, couplings: [(mask: Int, value: Double)] = []) throws -> Target {
        try Target(spins: spins, couplings: [((1 << spins) - 1, strength)] + couplings)
    }

    /// Explicit probabilities of all `2^n` states, normalised here.
    public static func table(spins: Int, probabilities: [Double]) throws -> Target {
        guard probabilities.count == 1 << spins else {
            throw TargetError("a table target over \(spins) spins needs \(1 << spins) probabilities, got \(probabilities.count)")
        }
        if let bad = probabilities.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw TargetError("probability of state \(bad) is \(probabilities[bad]); the target must be strictly positive (use a pseudocount or a small floor)")
        }
        return try Target(spins: spins, unnormalisedLogProbabilities: probabilities.map { log($0) })
    }

    /// Frequencies of samples with a pseudocount α:
    /// `q(x) = (count(x) + α) / (N + α 2^n)`.
    public static func frequencies(spins: Int, samples: [Int], pseudocount: Double) throws -> Target {
        guard pseudocount >= 0 && pseudocount.isFinite else {
            throw TargetError("pseudocount must be finite and >= 0, got \(pseudocount)")
        }
        guard !samples.isEmpty else { throw TargetError("the data set has no samples") }
        var counts = [Double](repeating: 0, count: 1 << spins)
        for x in samples { counts[x] += 1 }
        if pseudocount == 0, let empty = counts.firstIndex(of: 0) {
            let bits = (0..<spins).map { String(($0 < 64 ? (empty >> $0) & 1 : 0)) }.joined(separator: " ")
            throw TargetError("state \(empty) (bits \(bits)) never occurs in the \(samples.count) samples, so its frequency is 0 and the target is not strictly positive; set a pseudocount > 0 (e.g. pseudocount: 0.5)")
        }
        return try table(spins: spins, probabilities: counts.map { $0 + pseudocount })
    }

    /// `q_β ∝ exp(β Σ_{a≠0} J*_a χ_a)`: the same target at inverse temperature β.
    public func atInverseTemperature(_ beta: Double) throws -> Target {
        if beta == 1 { return self }
        var j = couplings
        j[0] = 0
        for a in j.indices { j[a] *= beta }
        Walsh.transform(&j)
        return try Target(spins: spins, unnormalisedLogProbabilities: j)
    }

    /// `q_λ = (1 - λ) uniform + λ q`, λ in (0, 1].
    public func mixedWithUniform(weight lambda: Double) throws -> Target {
        let u = 1 / Double(stateCount)
        return try Target.table(spins: spins, probabilities: probabilities.map { (1 - lambda) * u + lambda * $0 })
    }

    /// Shannon entropy of `q` in nats.
    public var entropy: Double { Distribution.entropy(probabilities) }
}
