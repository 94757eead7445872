import EBMLinearAlgebra

/// Second derivatives of the mlp energy by an exact forward-over-reverse
/// pass (Pearlmutter's R-operator): the directional derivative along `v` of
/// the backward pass of `pullback`.
extension MultilayerPerceptron.Evaluation {
    /// `Σ_x ω(x) ∂²E(x) v`. Differentiating `pullback` along v, with the
    /// forward tangents `Ż_ℓ`, `Ȧ_ℓ`:
    /// `∂/∂w -> Ȧ_Lᵀ ω`, `∂/∂c -> 0`; from `δ̇_L = ω v_wᵀ`, for ℓ = L … 1
    /// `ġ_ℓ = δ̇_ℓ ∘ φ'(Z_ℓ) + δ_ℓ ∘ φ''(Z_ℓ) ∘ Ż_ℓ`, `∂/∂bℓ -> Σ_x ġ_ℓ`,
    /// `∂/∂Wℓ -> A_{ℓ-1}ᵀ ġ_ℓ + Ȧ_{ℓ-1}ᵀ g_ℓ`, `δ̇_{ℓ-1} = ġ_ℓ Wℓ + g_ℓ Vℓ`.
    /// Costs about three forward passes.
    func curvatureProduct(weights: [Double], direction: [Double]) -> [Double] {
        let states = model.stateCount
        let last = model.layerCount
        let top = model.widths[last - 1]
        let (zDot, aDot) = tangents(direction)
        var out = [Double](repeating: 0, count: model.parameterCount)
        for j in 0..<top {
            var s = 0.0
            let a = aDot[last - 1]
            for x in 0..<states { s += a[x + j * states] * weights[x] }
            out[model.outputOffset + j] = s
        }
        var delta = [Double](repeating: 0, count: states * top)
        var deltaDot = delta
        for j in 0..<top {
            let wj = theta[model.outputOffset + j], vj = direction[model.outputOffset + j]
            for x in 0..<states {
                delta[x + j * states] = weights[x] * wj
                deltaDot[x + j * states] = weights[x] * vj
            }
        }
        for l in stride(from: last - 1, through: 0, by: -1) {
            let slope = slopes[l], curvature = curvatures[l], z = zDot[l]
            var g = delta, gDot = deltaDot
            for k in g.indices {
                g[k] = delta[k] * slope[k]
                gDot[k] = deltaDot[k] * slope[k] + delta[k] * curvature[k] * z[k]
            }
            model.accumulateLayerGradient(l, g: gDot, input: activations[l], into: &out)
            if l > 0 {
                model.accumulateLayerGradient(l, g: g, input: aDot[l - 1], into: &out, weightsOnly: true)
                delta = model.backpropagate(l, g, through: theta)
                deltaDot = model.backpropagate(l, gDot, through: theta)
                model.accumulateBackpropagation(l, g, through: direction, into: &deltaDot)
            }
        }
        return out
    }

    /// `Σ_x ω(x) ∂²E(x)`, exactly: the curvature products with every unit
    /// vector, computed together in chunks of `D` directions so that each
    /// step of the forward-over-reverse pass is one dgemm over all of them.
    /// Tangents of a chunk are stored "direction-stacked": element
    /// `(x, d, j)` of a layer at `x + 2^n d + 2^n D j`, a `(2^n D) × h`
    /// matrix for products with the weights and, read as `2^n × (D h)`, for
    /// sums over states. Costs `O(P 2^n Σ h_{ℓ-1} h_ℓ)`, like P products,
    /// in `O(L)` BLAS calls per chunk; memory `O(2^n D Σ h_ℓ)`.
    func curvatureMatrix(weights: [Double]) -> Matrix {
        let hiddenTotal = model.widths.reduce(0, +)
        return curvatureMatrix(weights: weights, chunk: Self.chunkElements / max(1, model.stateCount * hiddenTotal))
    }

    /// The same, `chunk` directions at a time.
    func curvatureMatrix(weights: [Double], chunk requested: Int) -> Matrix {
        let p = model.parameterCount
        var out = Matrix(rows: p, columns: p)
        let chunk = max(1, min(p, requested))
        var start = 0
        while start < p {
            let count = min(chunk, p - start)
            let block = curvatureColumns(weights: weights, first: start, count: count)
            for d in 0..<count { for r in 0..<p { out[r, start + d] = block[r + p * d] } }
            start += count
        }
        for c in 0..<p {
            for r in 0..<c {
                let mean = 0.5 * (out[r, c] + out[c, r])
                out[r, c] = mean
                out[c, r] = mean
            }
        }
        return out
    }

    /// Doubles of direction-stacked tangents held at once (16 MB per array).
    static let chunkElements = 1 << 21

    /// What a unit direction `e_p` moves: a weight `Wℓ[k,i]`, a bias `bℓ[k]`,
    /// an output weight `w[k]`, or the offset.
    enum Seed {
        case weight(layer: Int, unit: Int, input: Int)
        case bias(layer: Int, unit: Int)
        case output(unit: Int)
        case offset
    }

    func seed(_ index: Int) -> Seed {
        for l in 0..<model.layerCount {
            let fanIn = model.fanIn(l)
            if index >= model.weightOffsets[l] && index < model.biasOffsets[l] {
                let k = index - model.weightOffsets[l]
                return .weight(layer: l, unit: k / fanIn, input: k % fanIn)
            }
            if index >= model.biasOffsets[l] && index < model.biasOffsets[l] + model.widths[l] {
                return .bias(layer: l, unit: index - model.biasOffsets[l])
            }
        }
        return index == model.offsetIndex ? .offset : .output(unit: index - model.outputOffset)
    }

    /// Columns `first ..< first + count` of `Σ_x ω ∂²E`, as a `P × count`
    /// column-major array: `curvatureProduct` for all those unit vectors at once.
    func curvatureColumns(weights: [Double], first: Int, count: Int) -> [Double] {
        let states = model.stateCount, last = model.layerCount, p = model.parameterCount
        let rows = states * count
        let seeds = (0..<count).map { seed(first + $0) }
        var out = [Double](repeating: 0, count: p * count)

        // Forward tangents, direction-stacked.
        var zDot: [[Double]] = [], aDot: [[Double]] = []
        for l in 0..<last {
            let h = model.widths[l]
            var z = [Double](repeating: 0, count: rows * h)
            if l > 0 { model.accumulateAffine(l, input: aDot[l - 1], weights: theta, into: &z, rows: rows) }
            activations[l].withUnsafeBufferPointer { input in
                z.withUnsafeMutableBufferPointer { pz in
                    for (d, seed) in seeds.enumerated() {
                        switch seed {
                        case let .weight(layer, k, i) where layer == l:
                            let base = states * d + rows * k, column = states * i
                            for x in 0..<states { pz[base + x] += input[column + x] }
                        case let .bias(layer, k) where layer == l:
                            let base = states * d + rows * k
                            for x in 0..<states { pz[base + x] += 1 }
                        default: break
                        }
                    }
                }
            }
            var a = z
            slopes[l].withUnsafeBufferPointer { slope in
                a.withUnsafeMutableBufferPointer { pa in
                    for j in 0..<h {
                        for d in 0..<count {
                            let base = states * d + rows * j, column = states * j
                            for x in 0..<states { pa[base + x] *= slope[column + x] }
                        }
                    }
                }
            }
            zDot.append(z)
            aDot.append(a)
        }

        // ∂/∂w -> Ȧ_Lᵀ ω: entry (d + D j) of the (S × D h_L) view.
        let top = model.widths[last - 1]
        let wDot = Self.stateSums(aDot[last - 1], states: states, columns: count * top, weights: weights)
        for j in 0..<top { for d in 0..<count { out[model.outputOffset + j + p * d] = wDot[d + count * j] } }

        // Backward: δ, g independent of the direction; δ̇, ġ stacked.
        var delta = [Double](repeating: 0, count: states * top)
        var deltaDot = [Double](repeating: 0, count: rows * top)
        for j in 0..<top {
            let wj = theta[model.outputOffset + j]
            for x in 0..<states { delta[x + states * j] = weights[x] * wj }
        }
        for (d, seed) in seeds.enumerated() {
            if case let .output(k) = seed {
                for x in 0..<states { deltaDot[states * d + rows * k + x] = weights[x] }
            }
        }
        let ones = [Double](repeating: 1, count: states)
        for l in stride(from: last - 1, through: 0, by: -1) {
            let h = model.widths[l], fanIn = model.fanIn(l)
            var g = delta
            var gDot = deltaDot
            slopes[l].withUnsafeBufferPointer { slope in
                curvatures[l].withUnsafeBufferPointer { curvature in
                    delta.withUnsafeBufferPointer { pDelta in
                        zDot[l].withUnsafeBufferPointer { z in
                            g.withUnsafeMutableBufferPointer { pg in
                                gDot.withUnsafeMutableBufferPointer { pgDot in
                                    for k in 0..<(states * h) { pg[k] *= slope[k] }
                                    for j in 0..<h {
                                        for d in 0..<count {
                                            let base = states * d + rows * j, column = states * j
                                            for x in 0..<states {
                                                let c = column + x, r = base + x
                                                pgDot[r] = pgDot[r] * slope[c] + pDelta[c] * curvature[c] * z[r]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // ∂/∂bℓ -> Σ_x ġ.
            let biasDot = Self.stateSums(gDot, states: states, columns: count * h, weights: ones)
            for j in 0..<h { for d in 0..<count { out[model.biasOffsets[l] + j + p * d] = biasDot[d + count * j] } }
            // ∂/∂Wℓ -> A_{ℓ-1}ᵀ ġ (+ Ȧ_{ℓ-1}ᵀ g): entries (i, d + D j) and (d + D i, j).
            var weightDot = [Double](repeating: 0, count: fanIn * count * h)
            BLAS.gemm(transposeA: true, transposeB: false, m: fanIn, n: count * h, k: states, alpha: 1,
                      a: activations[l], lda: states, b: gDot, ldb: states, beta: 0, c: &weightDot, ldc: fanIn)
            var inputDot = [Double](repeating: 0, count: l > 0 ? count * fanIn * h : 0)
            if l > 0 {
                BLAS.gemm(transposeA: true, transposeB: false, m: count * fanIn, n: h, k: states, alpha: 1,
                          a: aDot[l - 1], lda: states, b: g, ldb: states, beta: 0, c: &inputDot, ldc: count * fanIn)
            }
            for j in 0..<h {
                for i in 0..<fanIn {
                    let row = model.weightOffsets[l] + j * fanIn + i
                    for d in 0..<count {
                        var value = weightDot[i + fanIn * (d + count * j)]
                        if l > 0 { value += inputDot[(d + count * i) + count * fanIn * j] }
                        out[row + p * d] = value
                    }
                }
            }
            if l > 0 {
                delta = model.backpropagate(l, g, through: theta)
                var next = [Double](repeating: 0, count: rows * fanIn)
                model.accumulateBackpropagation(l, gDot, through: theta, into: &next, rows: rows)
                // g Vℓ for the directions Wℓ[k,i]: column i of δ̇ gains g[·,k].
                for (d, seed) in seeds.enumerated() {
                    if case let .weight(layer, k, i) = seed, layer == l {
                        for x in 0..<states { next[states * d + rows * i + x] += g[x + states * k] }
                    }
                }
                deltaDot = next
            }
        }
        return out
    }

    /// `Σ_x w(x) M[x, c]` for every column `c` of the `2^n × columns` matrix `M`.
    static func stateSums(_ m: [Double], states: Int, columns: Int, weights: [Double]) -> [Double] {
        BLAS.multiply(Matrix(rows: states, columns: columns, columnMajor: m), weights, transpose: true)
    }
}
