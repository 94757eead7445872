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

    /// `Σ_x ω(x) ∂²E(x)` column by column from `P` exact curvature products
    /// with the unit vectors, symmetrised (the products agree to rounding).
    /// Costs `O(P 2^n Σ h_{ℓ-1} h_ℓ)`; for small P.
    func curvatureMatrix(weights: [Double]) -> Matrix {
        let p = model.parameterCount
        var out = Matrix(rows: p, columns: p)
        var unit = [Double](repeating: 0, count: p)
        for j in 0..<p {
            unit[j] = 1
            let column = curvatureProduct(weights: weights, direction: unit)
            unit[j] = 0
            for r in 0..<p { out[r, j] = column[r] }
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
}
