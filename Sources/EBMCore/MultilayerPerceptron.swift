#if canImport(Glibc)
import Glibc
#endif
import EBMLinearAlgebra

/// `mlp(widths)`: a neural energy over the spins,
/// `E(s) = w · a_L + c`, `a_ℓ = φ(z_ℓ)`, `z_ℓ = W_ℓ a_{ℓ-1} + b_ℓ`, `a_0 = s ∈ {±1}^n`,
/// with hidden widths `h_1 … h_L` and `φ` = tanh, softplus or silu.
///
/// Parameters, in this fixed order: for `ℓ = 1 … L` the weights `Wℓ[j,i]`
/// (`h_ℓ × h_{ℓ-1}`, row-major: `Wℓ[j,i]` at `offset(Wℓ) + j h_{ℓ-1} + i`)
/// then the biases `bℓ[j]`; then the output weights `w[j]` (`h_L`) and the
/// offset `c`. `P = Σ_ℓ (h_{ℓ-1} + 1) h_ℓ + h_L + 1`.
///
/// The offset `c` shifts every energy alike and so never changes `p_θ`: its
/// column of `G` is zero, `∂L/∂c = Σ_x (q - p_θ) = 0` (the flow leaves `c` at
/// its initial value), and its row and column of `∇²L` vanish, so every point
/// has one neutral direction along `c` with `|G v| = 0` — a data-consistent
/// point is classified `degenerate`, not `sink`, unless `c` is frozen
/// (`frozen: [c]`). It is kept because the schema names it.
///
/// All-states passes are BLAS `dgemm` products of the `2^n × h` layer
/// matrices (states in rows, column-major) with the weights: a row-major
/// `h_ℓ × h_{ℓ-1}` block of θ is the column-major `Wℓᵀ`. A forward pass costs
/// `O(2^n Σ h_{ℓ-1} h_ℓ)`; gradients, pushforwards and Hessian-vector
/// products (forward-over-reverse, `+Hessian`) a small multiple of it.
public struct MultilayerPerceptron: EnergyModel {
    /// The hidden nonlinearity `φ`.
    public enum Activation: String, Sendable, CaseIterable {
        case tanh, softplus, silu

        /// `φ(-u) = -φ(u)`: the sign flip of a hidden unit is a symmetry.
        public var isOdd: Bool { self == .tanh }

        /// `(φ, φ', φ'')` at `u`, each computed without overflow.
        @inline(__always)
        public func values(_ u: Double) -> (value: Double, slope: Double, curvature: Double) {
            switch self {
            case .tanh:
                let t = hyperbolicTangent(u)
                let d = 1 - t * t
                return (t, d, -2 * t * d)
            case .softplus:
                let s = Self.logistic(u)
                return (max(u, 0) + log1p(exp(-abs(u))), s, s * (1 - s))
            case .silu:
                // φ = u σ, φ' = σ (1 + u (1 - σ)), φ'' = σ (1 - σ) (2 + u (1 - 2σ)).
                let s = Self.logistic(u)
                let d = s * (1 - s)
                return (u * s, s + u * d, d * (2 + u * (1 - 2 * s)))
            }
        }

        @inline(__always)
        static func logistic(_ u: Double) -> Double {
            u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u))
        }
    }

    public let spins: Int
    /// Hidden widths `h_1 … h_L`.
    public let widths: [Int]
    public let activation: Activation
    /// The spins of every state, `2^n × n`, column-major: `a_0`.
    let inputs: [Double]
    /// Offsets of `Wℓ` and `bℓ` in θ (index ℓ - 1).
    let weightOffsets: [Int]
    let biasOffsets: [Int]
    /// Offsets of `w` and `c`.
    let outputOffset: Int
    let offsetIndex: Int

    public init(spins: Int, widths: [Int], activation: Activation = .tanh) {
        precondition(spins >= 1 && spins <= Walsh.maximumSpins, "spins out of range")
        precondition(!widths.isEmpty && widths.allSatisfy { $0 >= 1 }, "an mlp needs at least one hidden layer, each at least 1 wide")
        self.spins = spins
        self.widths = widths
        self.activation = activation
        let states = 1 << spins
        var s = [Double](repeating: 0, count: states * spins)
        for i in 0..<spins { for x in 0..<states { s[x + i * states] = Walsh.spin(i, of: x) } }
        inputs = s
        var offset = 0
        var w: [Int] = [], b: [Int] = []
        for (l, h) in widths.enumerated() {
            let fanIn = l == 0 ? spins : widths[l - 1]
            w.append(offset)
            offset += h * fanIn
            b.append(offset)
            offset += h
        }
        weightOffsets = w
        biasOffsets = b
        outputOffset = offset
        offsetIndex = offset + widths[widths.count - 1]
    }

    public var layerCount: Int { widths.count }
    public var parameterCount: Int { offsetIndex + 1 }
    public var description: String {
        "mlp(layers=[\(widths.map(String.init).joined(separator: ","))], activation=\(activation.rawValue))"
    }

    /// `h_{ℓ-1}` for layer index `l = ℓ - 1` (`h_0 = n`).
    func fanIn(_ l: Int) -> Int { l == 0 ? spins : widths[l - 1] }

    public var parameterNames: [String] {
        var names: [String] = []
        for (l, h) in widths.enumerated() {
            for j in 0..<h { for i in 0..<fanIn(l) { names.append("W\(l + 1)[\(j),\(i)]") } }
            for j in 0..<h { names.append("b\(l + 1)[\(j)]") }
        }
        for j in 0..<widths[widths.count - 1] { names.append("w[\(j)]") }
        names.append("c")
        return names
    }

    public func evaluate(_ theta: [Double]) -> any EnergyEvaluation {
        precondition(theta.count == parameterCount, "expected \(parameterCount) parameters, got \(theta.count)")
        return Evaluation(model: self, theta: theta)
    }

    /// The all-states forward pass: for every layer `Z_ℓ = A_{ℓ-1} Wℓᵀ + 1 bℓᵀ`
    /// (one dgemm) and `A_ℓ = φ(Z_ℓ)`, `φ'(Z_ℓ)`, `φ''(Z_ℓ)`; `E = A_L w + c`.
    struct Evaluation: EnergyEvaluation {
        let model: MultilayerPerceptron
        let theta: [Double]
        let energies: [Double]
        /// `A_ℓ` for ℓ = 0 … L (`A_0` the spins), each `2^n × h_ℓ` column-major.
        let activations: [[Double]]
        /// `φ'(Z_ℓ)` and `φ''(Z_ℓ)` for ℓ = 1 … L (index ℓ - 1).
        let slopes: [[Double]]
        let curvatures: [[Double]]

        init(model: MultilayerPerceptron, theta: [Double]) {
            self.model = model
            self.theta = theta
            let states = model.stateCount
            var activations = [model.inputs]
            var slopes: [[Double]] = [], curvatures: [[Double]] = []
            for (l, h) in model.widths.enumerated() {
                var z = model.affine(l, input: activations[l], weights: theta, bias: theta)
                var slope = z, curvature = z
                for k in 0..<(states * h) {
                    let (value, d1, d2) = model.activation.values(z[k])
                    z[k] = value
                    slope[k] = d1
                    curvature[k] = d2
                }
                activations.append(z)
                slopes.append(slope)
                curvatures.append(curvature)
            }
            var e = model.outputLayer(activations[model.layerCount], theta)
            for x in 0..<states { e[x] += theta[model.offsetIndex] }
            self.energies = e
            self.activations = activations
            self.slopes = slopes
            self.curvatures = curvatures
        }

        /// `∂E/∂w = a_L`, `∂E/∂c = 1`, and backwards `g_ℓ = δ_ℓ ∘ φ'(Z_ℓ)`,
        /// `∂/∂bℓ = Σ_x g_ℓ`, `∂/∂Wℓ = A_{ℓ-1}ᵀ g_ℓ`, `δ_{ℓ-1} = g_ℓ Wℓ`, from
        /// `δ_L = ω wᵀ` (ω the state weights).
        func pullback(_ weights: [Double]) -> [Double] {
            let states = model.stateCount
            var out = [Double](repeating: 0, count: model.parameterCount)
            let last = model.layerCount
            let top = model.widths[last - 1]
            var sum = 0.0
            for x in 0..<states { sum += weights[x] }
            out[model.offsetIndex] = sum
            for j in 0..<top {
                var s = 0.0
                let a = activations[last]
                for x in 0..<states { s += a[x + j * states] * weights[x] }
                out[model.outputOffset + j] = s
            }
            var delta = [Double](repeating: 0, count: states * top)
            for j in 0..<top {
                let wj = theta[model.outputOffset + j]
                for x in 0..<states { delta[x + j * states] = weights[x] * wj }
            }
            for l in stride(from: last - 1, through: 0, by: -1) {
                var g = delta
                let slope = slopes[l]
                for k in g.indices { g[k] *= slope[k] }
                model.accumulateLayerGradient(l, g: g, input: activations[l], into: &out)
                if l > 0 { delta = model.backpropagate(l, g, through: theta) }
            }
            return out
        }

        /// The forward tangent: `Ż_ℓ = Ȧ_{ℓ-1} Wℓᵀ + A_{ℓ-1} Vℓᵀ + 1 v_bℓᵀ`,
        /// `Ȧ_ℓ = φ'(Z_ℓ) ∘ Ż_ℓ` (`Ȧ_0 = 0`); returns `(Ż_ℓ, Ȧ_ℓ)` for ℓ = 1 … L.
        func tangents(_ direction: [Double]) -> (z: [[Double]], a: [[Double]]) {
            var zDot: [[Double]] = [], aDot: [[Double]] = []
            for l in 0..<model.layerCount {
                var z = model.affine(l, input: activations[l], weights: direction, bias: direction)
                if l > 0 { model.accumulateAffine(l, input: aDot[l - 1], weights: theta, into: &z) }
                var a = z
                let slope = slopes[l]
                for k in a.indices { a[k] *= slope[k] }
                zDot.append(z)
                aDot.append(a)
            }
            return (zDot, aDot)
        }

        /// `Ė = Ȧ_L w + A_L v_w + v_c`.
        func pushforward(_ direction: [Double]) -> [Double] {
            let (_, aDot) = tangents(direction)
            var out = model.outputLayer(aDot[model.layerCount - 1], theta)
            let linear = model.outputLayer(activations[model.layerCount], direction)
            let vc = direction[model.offsetIndex]
            for x in out.indices { out[x] += linear[x] + vc }
            return out
        }

        /// Rows `x`, columns `θ_j`, transposed into `D_{j,x} = ∂E(x)/∂θ_j`: one
        /// backward pass from `δ_L = 1 wᵀ` without summing over states.
        func energyGradients() -> Matrix {
            let states = model.stateCount
            var d = Matrix(rows: model.parameterCount, columns: states)
            let last = model.layerCount
            let top = model.widths[last - 1]
            for x in 0..<states {
                d[model.offsetIndex, x] = 1
                for j in 0..<top { d[model.outputOffset + j, x] = activations[last][x + j * states] }
            }
            var delta = [Double](repeating: 0, count: states * top)
            for j in 0..<top {
                let wj = theta[model.outputOffset + j]
                for x in 0..<states { delta[x + j * states] = wj }
            }
            for l in stride(from: last - 1, through: 0, by: -1) {
                var g = delta
                let slope = slopes[l]
                for k in g.indices { g[k] *= slope[k] }
                let fanIn = model.fanIn(l), p = model.parameterCount
                activations[l].withUnsafeBufferPointer { input in
                    g.withUnsafeBufferPointer { pg in
                        d.elements.withUnsafeMutableBufferPointer { pd in
                            for j in 0..<model.widths[l] {
                                let bias = model.biasOffsets[l] + j, row = model.weightOffsets[l] + j * fanIn
                                for x in 0..<states {
                                    let gj = pg[x + j * states]
                                    pd[bias + p * x] = gj
                                    for i in 0..<fanIn { pd[row + i + p * x] = gj * input[x + i * states] }
                                }
                            }
                        }
                    }
                }
                if l > 0 { delta = model.backpropagate(l, g, through: theta) }
            }
            return d
        }
    }
}

/// The C library's `tanh`, out of reach inside `Activation`, whose case `tanh` shadows it.
@inline(__always)
private func hyperbolicTangent(_ u: Double) -> Double { tanh(u) }

// MARK: The dgemm building blocks, shared by the first- and second-order passes.

extension MultilayerPerceptron {
    /// `A Wℓᵀ + 1 bℓᵀ` for layer index `l`, with `Wℓ` and `bℓ` read from the
    /// parameter-shaped vectors `weights` and `bias` (θ, or a direction).
    func affine(_ l: Int, input: [Double], weights: [Double], bias: [Double]) -> [Double] {
        let states = stateCount, h = widths[l]
        var z = [Double](repeating: 0, count: states * h)
        for j in 0..<h {
            let b = bias[biasOffsets[l] + j]
            for x in 0..<states { z[x + j * states] = b }
        }
        accumulateAffine(l, input: input, weights: weights, into: &z)
        return z
    }

    /// `Z += A Wℓᵀ` (`A` is `rows × h_{ℓ-1}`; `rows` = 2^n, or more for
    /// direction-stacked tangents).
    func accumulateAffine(_ l: Int, input: [Double], weights: [Double], into z: inout [Double], rows: Int? = nil) {
        let states = rows ?? stateCount, h = widths[l], fanIn = fanIn(l)
        BLAS.gemm(transposeA: false, transposeB: false, m: states, n: h, k: fanIn, alpha: 1,
                  a: input, lda: states, b: weights, bOffset: weightOffsets[l], ldb: fanIn,
                  beta: 1, c: &z, ldc: states)
    }

    /// `A w` with `w` read from the output block of `parameters`.
    func outputLayer(_ top: [Double], _ parameters: [Double]) -> [Double] {
        let states = stateCount, h = widths[layerCount - 1]
        var e = [Double](repeating: 0, count: states)
        BLAS.gemm(transposeA: false, transposeB: false, m: states, n: 1, k: h, alpha: 1,
                  a: top, lda: states, b: parameters, bOffset: outputOffset, ldb: h,
                  beta: 0, c: &e, ldc: states)
        return e
    }

    /// `out[bℓ] += Σ_x g` (unless `weightsOnly`), `out[Wℓ] += Aᵀ g` (the
    /// row-major `Wℓ` block is the column-major `h_{ℓ-1} × h_ℓ` product `Aᵀ g`).
    func accumulateLayerGradient(_ l: Int, g: [Double], input: [Double], into out: inout [Double], weightsOnly: Bool = false) {
        let states = stateCount, h = widths[l], fanIn = fanIn(l)
        for j in 0..<h where !weightsOnly {
            var s = 0.0
            for x in 0..<states { s += g[x + j * states] }
            out[biasOffsets[l] + j] += s
        }
        BLAS.gemm(transposeA: true, transposeB: false, m: fanIn, n: h, k: states, alpha: 1,
                  a: input, lda: states, b: g, ldb: states,
                  beta: 1, c: &out, cOffset: weightOffsets[l], ldc: fanIn)
    }

    /// `g Wℓ` (`2^n × h_{ℓ-1}`), with `Wℓ` read from `weights`.
    func backpropagate(_ l: Int, _ g: [Double], through weights: [Double]) -> [Double] {
        var delta = [Double](repeating: 0, count: stateCount * fanIn(l))
        accumulateBackpropagation(l, g, through: weights, into: &delta)
        return delta
    }

    /// `δ += g Wℓ` (`g` is `rows × h_ℓ`).
    func accumulateBackpropagation(_ l: Int, _ g: [Double], through weights: [Double], into delta: inout [Double], rows: Int? = nil) {
        let states = rows ?? stateCount, h = widths[l], fanIn = fanIn(l)
        BLAS.gemm(transposeA: false, transposeB: true, m: states, n: fanIn, k: h, alpha: 1,
                  a: g, lda: states, b: weights, bOffset: weightOffsets[l], ldb: fanIn,
                  beta: 1, c: &delta, ldc: states)
    }
}
