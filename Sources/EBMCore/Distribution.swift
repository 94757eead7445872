#if canImport(Glibc)
import Glibc
#endif

/// Functions of a distribution `p` over the `2^n` states.
public enum Distribution {
    /// `p(x) = exp(-E(x)) / Z` and `log p`, computed stably (max shift).
    public static func boltzmann(energies e: [Double]) -> (probabilities: [Double], logProbabilities: [Double]) {
        var shift = Double.infinity
        for v in e { shift = min(shift, v) }
        var z = 0.0
        for v in e { z += exp(shift - v) }
        let logZ = log(z) - shift
        var logp = [Double](repeating: 0, count: e.count)
        var p = [Double](repeating: 0, count: e.count)
        for x in e.indices {
            logp[x] = -e[x] - logZ
            p[x] = exp(logp[x])
        }
        return (p, logp)
    }

    /// Normalises non-negative weights to sum 1.
    public static func normalised(_ w: [Double]) -> [Double] {
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// All moments `m_a = E_p[χ_a] = (H p)_a`, `a = 0 ..< 2^n` (`m_0 = 1`).
    public static func moments(_ p: [Double]) -> [Double] {
        var m = p
        Walsh.transform(&m)
        return m
    }

    /// Effective couplings `J = 2^-n H log p` (`J_0 = -log Z`), so that
    /// `log p(x) = Σ_a J_a χ_a(x)`.
    public static func couplings(logProbabilities logp: [Double]) -> [Double] {
        var j = logp
        Walsh.transform(&j)
        let scale = 1 / Double(logp.count)
        for a in j.indices { j[a] *= scale }
        return j
    }

    /// `log p(x) = Σ_a J_a χ_a(x)` from couplings with any `J_0`,
    /// renormalised: returns `log p` of the distribution `∝ exp(Σ_{a≠0} J_a χ_a)`.
    public static func logProbabilities(couplings j: [Double]) -> [Double] {
        var f = j
        f[0] = 0
        Walsh.transform(&f)
        return boltzmann(energies: f.map { -$0 }).logProbabilities
    }

    /// `KL(q || p) = Σ_x q (log q - log p)`.
    public static func kullbackLeibler(_ q: [Double], logQ: [Double], logP: [Double]) -> Double {
        var s = 0.0
        for x in q.indices where q[x] > 0 { s += q[x] * (logQ[x] - logP[x]) }
        return s
    }

    /// Shannon entropy `S(p) = -Σ p log p` (nats).
    public static func entropy(_ p: [Double]) -> Double {
        var s = 0.0
        for v in p where v > 0 { s -= v * log(v) }
        return s
    }
}
