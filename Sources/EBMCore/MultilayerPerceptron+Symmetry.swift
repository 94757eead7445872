/// The mlp's symmetry group: in every hidden layer, permutations of its
/// units (rows of `Wℓ` and `bℓ` with the columns of `Wℓ+1`, or of `w`), and
/// for an odd `φ` (tanh) the sign flip of a unit,
/// `(Wℓ[j,·], bℓ[j], Wℓ+1[·,j]) -> -(Wℓ[j,·], bℓ[j], Wℓ+1[·,j])`
/// (`w[j]` in the last layer), since `tanh(-u) = -tanh u`. Softplus and silu
/// have no sign symmetry (`φ(-u) = φ(u) - u` would need a linear skip
/// path). Order `Π_ℓ h_ℓ! (2^{h_ℓ} for tanh)`. The offset `c` is left alone:
/// it is a continuous invariance of `p_θ`, not part of this group.
extension MultilayerPerceptron {
    /// Units equal within this relative tolerance count as identical.
    static let symmetryTolerance = 1e-9

    /// One hidden unit of layer `l`: its incoming row, bias and outgoing column.
    struct Unit {
        var incoming: [Double]
        var bias: Double
        var outgoing: [Double]
    }

    func units(_ theta: [Double], layer l: Int) -> [Unit] {
        let fanIn = fanIn(l)
        let isLast = l == layerCount - 1
        return (0..<widths[l]).map { j in
            let row = weightOffsets[l] + j * fanIn
            let outgoing: [Double] = isLast ? [theta[outputOffset + j]]
                : (0..<widths[l + 1]).map { k in theta[weightOffsets[l + 1] + k * widths[l] + j] }
            return Unit(incoming: Array(theta[row..<(row + fanIn)]), bias: theta[biasOffsets[l] + j], outgoing: outgoing)
        }
    }

    func setUnits(_ units: [Unit], layer l: Int, in theta: inout [Double]) {
        let fanIn = fanIn(l)
        let isLast = l == layerCount - 1
        for (j, unit) in units.enumerated() {
            let row = weightOffsets[l] + j * fanIn
            for i in 0..<fanIn { theta[row + i] = unit.incoming[i] }
            theta[biasOffsets[l] + j] = unit.bias
            if isLast {
                theta[outputOffset + j] = unit.outgoing[0]
            } else {
                for k in 0..<widths[l + 1] { theta[weightOffsets[l + 1] + k * widths[l] + j] = unit.outgoing[k] }
            }
        }
    }

    static func flipped(_ unit: Unit) -> Unit {
        Unit(incoming: unit.incoming.map { -$0 }, bias: -unit.bias, outgoing: unit.outgoing.map { -$0 })
    }

    /// Canonical representative, layer by layer from the input: for tanh each
    /// unit's sign is chosen so that its largest-magnitude incoming weight is
    /// positive (the bias decides when the row is zero, `w[j]` in the last
    /// layer when both are); then the units are sorted by (incoming row,
    /// bias) descending, ties (and in the last layer `w`) kept in order. A
    /// layer's choices depend only on its own incoming weights, which earlier
    /// layers have already fixed, so the result is idempotent.
    public func canonicalized(_ theta: [Double]) -> [Double] {
        var out = theta
        for l in 0..<layerCount {
            var layer = units(out, layer: l)
            if activation.isOdd {
                for j in layer.indices where Self.pivot(layer[j], isLast: l == layerCount - 1) < 0 {
                    layer[j] = Self.flipped(layer[j])
                }
            }
            let order = layer.indices.sorted { lhs, rhs in
                let x = layer[lhs], y = layer[rhs]
                for i in x.incoming.indices where x.incoming[i] != y.incoming[i] { return x.incoming[i] > y.incoming[i] }
                if x.bias != y.bias { return x.bias > y.bias }
                if l == layerCount - 1 && x.outgoing[0] != y.outgoing[0] { return x.outgoing[0] > y.outgoing[0] }
                return lhs < rhs
            }
            setUnits(order.map { layer[$0] }, layer: l, in: &out)
        }
        return out
    }

    /// The value whose sign the canonical form makes non-negative.
    static func pivot(_ unit: Unit, isLast: Bool) -> Double {
        var pivot = 0.0
        for w in unit.incoming where abs(w) > abs(pivot) { pivot = w }
        if pivot == 0 { pivot = unit.bias }
        if pivot == 0 && isLast { pivot = unit.outgoing[0] }
        return pivot
    }

    /// `Π_ℓ h_ℓ! / Π_c m_c! × 2^{f_ℓ}`: per layer, `m_c` the multiplicities of
    /// identical units (same incoming row, bias and outgoing weights in the
    /// canonical form) and, for tanh, `f_ℓ` the number of units not fixed by
    /// their flip (a unit with every weight and its bias zero is). Exact for
    /// generic θ; at non-generic points where units of different layers are
    /// tied together it may over-count.
    public func orbitSize(_ theta: [Double]) -> Double {
        let canonical = canonicalized(theta)
        let scale = max(1, canonical.map(abs).max() ?? 0)
        let tolerance = Self.symmetryTolerance * scale
        func close(_ x: [Double], _ y: [Double]) -> Bool { zip(x, y).allSatisfy { abs($0 - $1) <= tolerance } }
        func same(_ x: Unit, _ y: Unit) -> Bool {
            abs(x.bias - y.bias) <= tolerance && close(x.incoming, y.incoming) && close(x.outgoing, y.outgoing)
        }
        var size = 1.0
        for l in 0..<layerCount {
            let layer = units(canonical, layer: l)
            for k in 1...layer.count { size *= Double(k) }
            var counted = [Bool](repeating: false, count: layer.count)
            for j in layer.indices where !counted[j] {
                var multiplicity = 0
                for k in j..<layer.count where !counted[k] && same(layer[j], layer[k]) {
                    counted[k] = true
                    multiplicity += 1
                }
                for k in 1...multiplicity { size /= Double(k) }
            }
            if activation.isOdd {
                for unit in layer {
                    let fixed = abs(unit.bias) <= tolerance && unit.incoming.allSatisfy { abs($0) <= tolerance }
                        && unit.outgoing.allSatisfy { abs($0) <= tolerance }
                    if !fixed { size *= 2 }
                }
            }
        }
        return size
    }

    /// Images under the group, θ first, at most `limit`: every layer over its
    /// permutations in lexicographic order and, for tanh, all flip masks, the
    /// first layer varying fastest.
    public func symmetryImages(_ theta: [Double], limit: Int) -> [[Double]] {
        var images: [[Double]] = []
        func visit(_ l: Int, _ current: [Double]) {
            if images.count >= limit { return }
            if l < 0 {
                images.append(current)
                return
            }
            let layer = units(current, layer: l)
            let h = layer.count
            let masks = activation.isOdd ? (h >= 62 ? Int.max : 1 << h) : 1
            var permutation = Array(0..<h)
            repeat {
                var mask = 0
                while mask < masks && images.count < limit {
                    var image = current
                    let chosen = permutation.enumerated().map { slot, j in
                        (mask >> slot) & 1 == 1 ? Self.flipped(layer[j]) : layer[j]
                    }
                    setUnits(chosen, layer: l, in: &image)
                    visit(l - 1, image)
                    mask += 1
                }
            } while images.count < limit && Self.nextPermutation(&permutation)
        }
        visit(layerCount - 1, theta)
        return images
    }

    /// The next permutation in lexicographic order; false after the last.
    static func nextPermutation(_ p: inout [Int]) -> Bool {
        guard p.count > 1 else { return false }
        var i = p.count - 2
        while i >= 0 && p[i] >= p[i + 1] { i -= 1 }
        if i < 0 { return false }
        var j = p.count - 1
        while p[j] <= p[i] { j -= 1 }
        p.swapAt(i, j)
        p[(i + 1)...].reverse()
        return true
    }
}
