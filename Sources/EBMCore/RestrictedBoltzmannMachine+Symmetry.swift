/// The RBM's symmetry group: permutations of the hidden units and, per unit,
/// the sign flip `(b_μ, W_μ·) -> -(b_μ, W_μ·)` (binary units also shift
/// `a -> a + W_μ·`). Order `h! 2^h`.
extension RestrictedBoltzmannMachine {
    /// Units equal within this relative tolerance count as identical.
    static let symmetryTolerance = 1e-9

    /// `h! / Π m_c! × 2^f`: `m_c` the multiplicities of identical units, `f`
    /// the number of units not fixed by their flip (a unit with `b = 0`,
    /// `W = 0` is).
    public func orbitSize(_ theta: [Double]) -> Double {
        let canonical = canonicalized(theta)
        let units = hiddenUnits(canonical)
        let scale = max(1, canonical.map(abs).max() ?? 0)
        func same(_ x: (b: Double, w: [Double]), _ y: (b: Double, w: [Double])) -> Bool {
            abs(x.b - y.b) <= Self.symmetryTolerance * scale
                && zip(x.w, y.w).allSatisfy { abs($0 - $1) <= Self.symmetryTolerance * scale }
        }
        var size = 1.0
        for k in 1...max(1, hidden) { size *= Double(k) }
        var counted = [Bool](repeating: false, count: hidden)
        for mu in 0..<hidden where !counted[mu] {
            var multiplicity = 0
            for nu in mu..<hidden where !counted[nu] && same(units[mu], units[nu]) {
                counted[nu] = true
                multiplicity += 1
            }
            for k in 1...multiplicity { size /= Double(k) }
        }
        for unit in units {
            let fixed = abs(unit.b) <= Self.symmetryTolerance * scale && unit.w.allSatisfy { abs($0) <= Self.symmetryTolerance * scale }
            if !fixed { size *= 2 }
        }
        return size
    }

    /// Images under hidden permutations (Heap's algorithm) and sign flips,
    /// θ first, at most `limit`.
    public func symmetryImages(_ theta: [Double], limit: Int) -> [[Double]] {
        let a = Array(theta[0..<spins])
        let units = hiddenUnits(theta)
        var images: [[Double]] = []
        var order = Array(0..<hidden)
        func emitFlips(_ order: [Int]) {
            for mask in 0..<(1 << hidden) {
                if images.count >= limit { return }
                var shifted = a
                var chosen: [(b: Double, w: [Double])] = []
                for (slot, mu) in order.enumerated() {
                    var unit = units[mu]
                    if (mask >> slot) & 1 == 1 {
                        if self.units == .binary { for i in 0..<spins { shifted[i] += unit.w[i] } }
                        unit = (-unit.b, unit.w.map { -$0 })
                    }
                    chosen.append(unit)
                }
                images.append(shifted + chosen.map(\.b) + chosen.flatMap(\.w))
            }
        }
        // Heap's algorithm over the hidden-unit order.
        var c = [Int](repeating: 0, count: hidden)
        emitFlips(order)
        var i = 0
        while i < hidden && images.count < limit {
            if c[i] < i {
                if i % 2 == 0 { order.swapAt(0, i) } else { order.swapAt(c[i], i) }
                emitFlips(order)
                c[i] += 1
                i = 0
            } else {
                c[i] = 0
                i += 1
            }
        }
        return images
    }

    func hiddenUnits(_ theta: [Double]) -> [(b: Double, w: [Double])] {
        (0..<hidden).map { mu in
            (theta[biasOffset + mu], Array(theta[(weightOffset + mu * spins)..<(weightOffset + (mu + 1) * spins)]))
        }
    }
}
