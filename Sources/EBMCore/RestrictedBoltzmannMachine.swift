#if canImport(Glibc)
import Glibc
#endif
import EBMLinearAlgebra

/// `rbm(h)`: a restricted Boltzmann machine with `h` hidden units summed out.
///
/// Spin units (default): visible and hidden in ±1,
/// `E(s) = -Σ_i a_i s_i - Σ_μ log(2 cosh u_μ)`, `u_μ = b_μ + Σ_i W_μi s_i`.
/// Binary units: `v_i = (1 - s_i)/2 ∈ {0,1}`, hidden in {0,1},
/// `E = -Σ_i a_i v_i - Σ_μ log(1 + exp(u_μ))`, `u_μ = b_μ + Σ_i W_μi v_i`.
/// Both are `E = -a·f - Σ_μ φ(u_μ)` over visible features `f` (spins or
/// bits) with `φ = log 2cosh` or softplus; the code is shared.
///
/// Parameters `θ = (a ∈ R^n, b ∈ R^h, W ∈ R^{h×n})`, `P = n + h + nh`, stored
/// in that order with `W[μ,i]` at `n + h + μ n + i`. All-states passes are
/// BLAS `dgemm` products with the `2^n × n` feature matrix.
public struct RestrictedBoltzmannMachine: EnergyModel {
    public enum Units: String, Sendable, CaseIterable {
        case spin, binary
    }

    public let spins: Int
    public let hidden: Int
    public let units: Units
    /// Visible features of every state, `2^n × n`, column-major.
    let features: Matrix

    public init(spins: Int, hidden: Int, units: Units = .spin) {
        precondition(spins >= 1 && spins <= Walsh.maximumSpins, "spins out of range")
        precondition(hidden >= 1, "an RBM needs at least one hidden unit")
        self.spins = spins
        self.hidden = hidden
        self.units = units
        let states = 1 << spins
        var f = Matrix(rows: states, columns: spins)
        for i in 0..<spins {
            for x in 0..<states {
                let s = Walsh.spin(i, of: x)
                f[x, i] = units == .spin ? s : (1 - s) / 2
            }
        }
        self.features = f
    }

    public var parameterCount: Int { spins + hidden + spins * hidden }
    public var description: String { "rbm(h=\(hidden), units=\(units.rawValue))" }

    public var parameterNames: [String] {
        (0..<spins).map { "a[\($0)]" } + (0..<hidden).map { "b[\($0)]" }
            + (0..<hidden).flatMap { mu in (0..<spins).map { "W[\(mu),\($0)]" } }
    }

    var biasOffset: Int { spins }
    var weightOffset: Int { spins + hidden }

    /// `U = F Vᵀ + 1 v_bᵀ` (one dgemm), `2^n × h` column-major, for a
    /// parameter-shaped `v`: the hidden inputs `u_μ` at `v = θ`, their
    /// change `Z` along a direction `v`.
    func hiddenInputs(_ v: [Double]) -> [Double] {
        let states = stateCount, h = hidden
        var u = [Double](repeating: 0, count: states * h)
        for mu in 0..<h {
            let b = v[biasOffset + mu]
            for x in 0..<states { u[x + mu * states] = b }
        }
        // W stored row-major h×n is column-major n×h = Wᵀ.
        BLAS.gemm(transposeA: false, transposeB: false, m: states, n: h, k: spins, alpha: 1,
                  a: features.elements, lda: states, b: v, bOffset: weightOffset, ldb: spins,
                  beta: 1, c: &u, ldc: states)
        return u
    }

    /// `out[W] = -Fᵀ M`, `out[W_μi] = -Σ_x M_xμ f_i(x)`, for `M` `2^n × h`
    /// column-major (one dgemm, overwriting the `W` block): the weight part
    /// of a pullback whose per-unit weights are `M`.
    func writeWeightPullback(_ m: [Double], into out: inout [Double]) {
        BLAS.gemm(transposeA: true, transposeB: false, m: spins, n: hidden, k: stateCount, alpha: -1,
                  a: features.elements, lda: stateCount, b: m, ldb: stateCount,
                  beta: 0, c: &out, cOffset: weightOffset, ldc: spins)
    }

    public func evaluate(_ theta: [Double]) -> any EnergyEvaluation {
        precondition(theta.count == parameterCount, "expected \(parameterCount) parameters, got \(theta.count)")
        return Evaluation(model: self, theta: theta)
    }

    /// Canonical representative under the model's symmetries: for each hidden
    /// unit the sign flip `(b_μ, W_μ·) -> -(b_μ, W_μ·)` (spin units; binary
    /// units also shift `a -> a + W_μ·`, since `softplus(-u) = softplus(u) - u`)
    /// chosen so that the largest-magnitude weight of the unit is positive,
    /// then hidden units sorted by `(W_μ·, b_μ)` descending.
    public func canonicalized(_ theta: [Double]) -> [Double] {
        var a = Array(theta[0..<spins])
        var units: [(b: Double, w: [Double])] = (0..<hidden).map { mu in
            (theta[biasOffset + mu], Array(theta[(weightOffset + mu * spins)..<(weightOffset + (mu + 1) * spins)]))
        }
        for mu in 0..<hidden {
            var pivot = 0.0
            for w in units[mu].w where abs(w) > abs(pivot) { pivot = w }
            if pivot == 0 && units[mu].b < 0 && self.units == .spin { pivot = -1 }
            if pivot < 0 {
                if self.units == .binary { for i in 0..<spins { a[i] += units[mu].w[i] } }
                units[mu] = (-units[mu].b, units[mu].w.map { -$0 })
            }
        }
        units.sort { lhs, rhs in
            for i in 0..<spins where lhs.w[i] != rhs.w[i] { return lhs.w[i] > rhs.w[i] }
            return lhs.b > rhs.b
        }
        return a + units.map(\.b) + units.flatMap(\.w)
    }

    /// The all-states pass: `U = F Wᵀ + 1 bᵀ` (one dgemm) and `φ(U)`, `φ'(U)`, `φ''(U)`.
    struct Evaluation: EnergyEvaluation {
        let model: RestrictedBoltzmannMachine
        let theta: [Double]
        let energies: [Double]
        /// φ'(u), 2^n × h column-major (tanh u, or the logistic σ(u)).
        let slope: [Double]
        /// φ''(u) (1 - tanh² u, or σ(1 - σ)).
        let curvature: [Double]

        init(model: RestrictedBoltzmannMachine, theta: [Double]) {
            self.model = model
            self.theta = theta
            let states = model.stateCount, n = model.spins, h = model.hidden
            let u = model.hiddenInputs(theta)
            var e = BLAS.multiply(model.features, Array(theta[0..<n])).map { -$0 }
            var slope = u, curvature = u
            for mu in 0..<h {
                for x in 0..<states {
                    let v = u[x + mu * states]
                    let (phi, d1, d2) = model.units == .spin ? Self.logTwoCosh(v) : Self.softplus(v)
                    e[x] -= phi
                    slope[x + mu * states] = d1
                    curvature[x + mu * states] = d2
                }
            }
            self.energies = e
            self.slope = slope
            self.curvature = curvature
        }

        /// `log 2cosh u = |u| + log1p(e^{-2|u|})`, its derivative `tanh u`
        /// and second derivative `1 - tanh² u`.
        @inline(__always)
        static func logTwoCosh(_ u: Double) -> (Double, Double, Double) {
            let t = tanh(u)
            return (abs(u) + log1p(exp(-2 * abs(u))), t, 1 - t * t)
        }

        /// `softplus u = max(u,0) + log1p(e^{-|u|})`, `σ(u)`, `σ(1 - σ)`.
        @inline(__always)
        static func softplus(_ u: Double) -> (Double, Double, Double) {
            let s = u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u))
            return (max(u, 0) + log1p(exp(-abs(u))), s, s * (1 - s))
        }

        /// `∂E/∂a_i = -f_i`, `∂E/∂b_μ = -φ'(u_μ)`, `∂E/∂W_μi = -φ'(u_μ) f_i`:
        /// `-(Fᵀw, φ'ᵀw, Fᵀ diag(w) φ')`.
        func pullback(_ weights: [Double]) -> [Double] {
            let states = model.stateCount, n = model.spins, h = model.hidden
            var out = [Double](repeating: 0, count: model.parameterCount)
            let ga = BLAS.multiply(model.features, weights, transpose: true)
            for i in 0..<n { out[i] = -ga[i] }
            var weighted = slope
            for mu in 0..<h {
                var sum = 0.0
                for x in 0..<states {
                    sum += slope[x + mu * states] * weights[x]
                    weighted[x + mu * states] *= weights[x]
                }
                out[model.biasOffset + mu] = -sum
            }
            model.writeWeightPullback(weighted, into: &out)
            return out
        }

        /// `-F v_a - Σ_μ φ'(u_μ) Z_μ`.
        func pushforward(_ direction: [Double]) -> [Double] {
            let states = model.stateCount, h = model.hidden
            var out = BLAS.multiply(model.features, Array(direction[0..<model.spins])).map { -$0 }
            // Z = F Vᵀ + 1 v_bᵀ: the change of every u_μ along v.
            let z = model.hiddenInputs(direction)
            for mu in 0..<h {
                for x in 0..<states { out[x] -= slope[x + mu * states] * z[x + mu * states] }
            }
            return out
        }

        /// Second derivatives couple only `(b_μ, W_μ·)` of one unit:
        /// `∂²E = -φ''(u_μ) f̂ f̂ᵀ` with `f̂ = (1, f)`. With `M = w ∘ φ'' ∘ Z`:
        /// b-part `-Σ_x M_μ`, W-part `-(Fᵀ M)`.
        func curvatureProduct(weights: [Double], direction: [Double]) -> [Double] {
            let states = model.stateCount, h = model.hidden
            var m = model.hiddenInputs(direction)
            var out = [Double](repeating: 0, count: model.parameterCount)
            for mu in 0..<h {
                var sum = 0.0
                for x in 0..<states {
                    let k = x + mu * states
                    m[k] *= weights[x] * curvature[k]
                    sum += m[k]
                }
                out[model.biasOffset + mu] = -sum
            }
            model.writeWeightPullback(m, into: &out)
            return out
        }

        /// Block-diagonal over hidden units: `-F̂ᵀ diag(w ∘ φ''_μ) F̂` on `(b_μ, W_μ·)`.
        func curvatureMatrix(weights: [Double]) -> Matrix {
            let states = model.stateCount, n = model.spins, h = model.hidden
            var out = Matrix(rows: model.parameterCount, columns: model.parameterCount)
            var extended = Matrix(rows: states, columns: n + 1, repeating: 1)
            for i in 0..<n { for x in 0..<states { extended[x, i + 1] = model.features[x, i] } }
            var scaled = extended
            for mu in 0..<h {
                for c in 0...n {
                    for x in 0..<states { scaled[x, c] = extended[x, c] * weights[x] * curvature[x + mu * states] }
                }
                let block = BLAS.multiply(extended, scaled, transposeA: true)
                var index = [model.biasOffset + mu]
                index += (0..<n).map { model.weightOffset + mu * n + $0 }
                for r in 0...n { for c in 0...n { out[index[r], index[c]] = -block[r, c] } }
            }
            return out
        }

        func energyGradients() -> Matrix {
            let states = model.stateCount, n = model.spins, h = model.hidden
            let p = model.parameterCount
            var d = Matrix(rows: p, columns: states)
            for x in 0..<states {
                for i in 0..<n { d[i, x] = -model.features[x, i] }
                for mu in 0..<h {
                    let t = slope[x + mu * states]
                    d[model.biasOffset + mu, x] = -t
                    for i in 0..<n { d[model.weightOffset + mu * n + i, x] = -t * model.features[x, i] }
                }
            }
            return d
        }
    }
}
