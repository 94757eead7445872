import Foundation
import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

/// `AttractorCertificate.hessianVariationBound` is not too small: each
/// ingredient of `M = 2B₃ + 3B₁B₂ + 2B₁³` is a supremum that the code's own
/// energy derivatives reach (exactly or to rounding), so halving any B_k, or
/// using a smaller c₂ or c₃, makes M smaller than what is attained and these
/// tests fail. (Random samples, `hessianVariationBoundHolds`, stay at most
/// 0.15 of M and would not notice.) Along a line θ + s d, |d| = 1,
/// `e_k = dᵏE/dsᵏ`; for the RBM `E = −a·f − Σ_μ φ(u_μ)` and, u being linear
/// in θ, `e₁ = −d_a·f − Σ φ'(u_μ) du_μ`, `e_k = −Σ φ⁽ᵏ⁾(u_μ) du_μᵏ` (k ≥ 2),
/// `|du_μ| ≤ |d_μ| √(n+1)` with equality for `d_μ ∝ (1, f(x))`.
@Suite struct HessianVariationBoundTests {
    typealias Check = CertificateCheck
    static let u = CertificateCheck.u

    static func target(spins: Int) throws -> Target {
        try Target.random(spins: spins, seed: 3, orders: [1, 2], scales: [0.4, 0.3])
    }

    /// The code's M is the documented closed form (M = 2B₃ + 3B₁B₂ + 2B₁³,
    /// RBM B_k with c₂, c₃ of each unit kind; Ising 2P^{3/2}; nil for other
    /// models). Both sides are a dozen correctly rounded operations on
    /// positive terms, so they agree to 32u relative.
    @Test func boundIsTheDocumentedClosedForm() throws {
        for units in RestrictedBoltzmannMachine.Units.allCases {
            for (n, h) in [(1, 1), (2, 3), (3, 1), (3, 2), (4, 4), (6, 3)] {
                let objective = LearningObjective(model: RestrictedBoltzmannMachine(spins: n, hidden: h, units: units),
                                                  target: try Self.target(spins: n))
                let code = try #require(AttractorCertificate.hessianVariationBound(objective))
                let closed = Check.rbmBound(spins: n, hidden: h, units: units).m
                #expect(abs(code - closed) <= 32 * Self.u * closed, "rbm(\(n), \(h), \(units)): \(code) vs \(closed)")
            }
        }
        for (n, order) in [(3, 2), (4, 4), (5, 3)] {
            let model = GeneralisedIsingModel(spins: n, order: order)
            let objective = LearningObjective(model: model, target: try Self.target(spins: n))
            let code = try #require(AttractorCertificate.hessianVariationBound(objective))
            let closed = Check.isingBound(parameters: model.parameterCount)
            #expect(abs(code - closed) <= 32 * Self.u * closed)
        }
        let mlp = LearningObjective(model: MultilayerPerceptron(spins: 3, widths: [2]), target: try Self.target(spins: 3))
        #expect(AttractorCertificate.hessianVariationBound(mlp) == nil)
    }

    static let rbmCases: [(RestrictedBoltzmannMachine.Units, Int, Int)] = [
        (.spin, 3, 2), (.binary, 3, 2), (.spin, 4, 1), (.binary, 2, 3),
    ]

    /// B₁, B₂ and B₃ are reached by the code's energy derivatives, and the
    /// code's M is at least `2|e₃| + 3|e₁||e₂| + 2|e₁|³` of what is reached.
    ///
    /// - B₂: hidden unit μ at u_μ = 0 (b_μ = 0, W_μ· = 0), d on (b_μ, W_μ·)
    ///   ∝ (1, f(x*)) with |f(x*)|² = n: `e₂(x*) = −φ''(0)(n+1) = −c₂(n+1)`
    ///   exactly, up to the rounding of d (≤ 4(n+2)² u relative).
    /// - B₃: the same with b_μ = u*, the maximiser of |φ'''|:
    ///   `e₃(x*) = −φ'''(u*)(n+1)^{3/2} = c₃(n+1)^{3/2}`; e₃ is a central
    ///   difference (step k) of the code's e₂, within
    ///   `k²/6 sup|φ⁽⁵⁾| (n+1)^{5/2}` (truncation) `+ δe₂/k` (rounding).
    /// - B₁: every b_ν = 40, so φ'(u_ν) = 1 to double precision (tanh 40 and
    ///   σ(40) round to 1), a = 0, W = 0, d ∝ (f(x*), (1, f(x*)) per unit):
    ///   `e₁(x*) = −(n + h(n+1))/√(n + h(n+1)) = −B₁`, to rounding (4P u).
    /// - Random θ, d and every state: |e_k| ≤ B_k (the other half of "sup").
    @Test(arguments: 0..<rbmCases.count) func rbmEnergyDerivativeBoundsAreAttained(_ caseIndex: Int) throws {
        let (units, n, h) = Self.rbmCases[caseIndex]
        let model = RestrictedBoltzmannMachine(spins: n, hidden: h, units: units)
        let p = model.parameterCount, states = model.stateCount
        let closed = Check.rbmBound(spins: n, hidden: h, units: units)
        let zeros = [Double](repeating: 0, count: p)
        // Visible features from the code: ∂E/∂a_i = −f_i.
        let gradients = model.evaluate(zeros).energyGradients()
        let f = (0..<states).map { x in (0..<n).map { -gradients[$0, x] } }
        #expect(f.joined().allSatisfy { abs($0) <= 1 })
        // A state with |f|² = n: every state for spins, all bits set for binary units.
        let star = try #require((0..<states).first { x in f[x].allSatisfy { abs($0) == 1 } })
        var onehot = [Double](repeating: 0, count: states)
        onehot[star] = 1
        func slot(_ name: String) throws -> Int { try #require(model.parameterIndex(named: name)) }
        let mu = h - 1
        let bias = try slot("b[\(mu)]")
        let weights = try (0..<n).map { try slot("W[\(mu),\($0)]") }

        // d on unit μ's (b_μ, W_μ·), ∝ (1, f(x*)).
        var d = zeros
        d[bias] = 1
        for i in 0..<n { d[weights[i]] = f[star][i] }
        d = Check.unit(d)
        var g = SeededGenerator(seed: UInt64(31 + caseIndex))
        let others = (0..<p).map { _ in g.nextNormal() }
        func onUnit(_ b: Double) -> [Double] {
            var theta = others
            theta[bias] = b
            for w in weights { theta[w] = 0 }
            return theta
        }
        func e2(_ theta: [Double]) -> Double { Check.quadratic(model.evaluate(theta).curvatureMatrix(weights: onehot), d) }
        let dRounding = 4 * Double((n + 2) * (n + 2)) * Self.u

        // B₂.
        let second = e2(onUnit(0))
        #expect(abs(second + closed.b2) <= dRounding * closed.b2, "e₂ = \(second), −B₂ = \(-closed.b2)")
        // ... and the code's e₂ is the second derivative of its energies along d (central second
        // difference, step 1e-3: truncation ≤ k²/12 sup|φ⁽⁴⁾| (n+1)², rounding ≤ 4 · 4u max|E| / k²).
        do {
            let k = 1e-3, theta = onUnit(0)
            let e = [-k, 0, k].map { model.evaluate(Check.step(theta, d, $0)).energies[star] }
            let difference = (e[0] - 2 * e[1] + e[2]) / (k * k)
            let tolerance = k * k / 12 * Check.c4(units) * pow(Double(n + 1), 2)
                + 16 * Self.u * e.map(abs).max()! / (k * k)
            #expect(abs(difference - second) <= tolerance)
        }

        // B₃.
        let k = 1e-4
        let top = onUnit(Check.thirdDerivativeMaximiser(units))
        let third = (e2(Check.step(top, d, k)) - e2(Check.step(top, d, -k))) / (2 * k)
        let e2Error = (dRounding + 4 * Self.u) * Double(n + 1)  // d's rounding, and φ'' within 4u
        let thirdTolerance = k * k / 6 * Check.c5(units) * pow(Double(n + 1), 2.5) + e2Error / k
        #expect(abs(third - closed.b3) <= thirdTolerance, "e₃ = \(third), B₃ = \(closed.b3) ± \(thirdTolerance)")

        // B₁.
        var theta1 = zeros, d1 = zeros
        for i in 0..<n { d1[try slot("a[\(i)]")] = f[star][i] }
        for nu in 0..<h {
            theta1[try slot("b[\(nu)]")] = 40
            d1[try slot("b[\(nu)]")] = 1
            for i in 0..<n { d1[try slot("W[\(nu),\(i)]")] = f[star][i] }
        }
        d1 = Check.unit(d1)
        let first = model.evaluate(theta1).pushforward(d1)[star]
        let firstRounding = 4 * Double(p) * Self.u
        #expect(abs(first + closed.b1) <= firstRounding * closed.b1, "e₁ = \(first), −B₁ = \(-closed.b1)")

        // M is at least what is attained (the attained values' errors, propagated, as slack).
        let objective = LearningObjective(model: model, target: try Self.target(spins: n))
        let code = try #require(AttractorCertificate.hessianVariationBound(objective))
        let b1 = abs(first), b2 = abs(second), b3 = third
        let attained = 2 * b3 + 3 * b1 * b2 + 2 * b1 * b1 * b1
        let slack = 2 * thirdTolerance + 3 * (firstRounding * b1 * b2 + b1 * dRounding * b2)
            + 6 * b1 * b1 * firstRounding * b1 + 16 * Self.u * attained
        #expect(code >= attained - slack, "M = \(code), attained \(attained) − \(slack)")

        // The other half: |e_k| ≤ B_k at random points, directions and states.
        for _ in 0..<30 {
            let theta = (0..<p).map { _ in 2 * g.nextNormal() }
            let direction = Check.unit((0..<p).map { _ in g.nextNormal() })
            let e1 = model.evaluate(theta).pushforward(direction)
            let second = Check.secondDerivatives(model, theta, direction)
            let plus = Check.secondDerivatives(model, Check.step(theta, direction, k), direction)
            let minus = Check.secondDerivatives(model, Check.step(theta, direction, -k), direction)
            for x in 0..<states {
                #expect(abs(e1[x]) <= closed.b1 * (1 + firstRounding))
                #expect(abs(second[x]) <= closed.b2 * (1 + dRounding) + e2Error)
                #expect(abs((plus[x] - minus[x]) / (2 * k)) <= closed.b3 + thirdTolerance)
            }
        }
    }

    /// Generalised Ising: `E = −Σ_k θ_k χ_k(x)` with χ_k = ±1, so
    /// `e₁(x*) = √P` for d = ∂E(x*)/|∂E(x*)|, and e₂ = e₃ = 0 (the code's
    /// curvature is exactly zero); M = 2B₁³ is at least 2e₁³.
    @Test func isingEnergyDerivativeBoundIsAttained() throws {
        for (n, order) in [(3, 2), (4, 3)] {
            let model = GeneralisedIsingModel(spins: n, order: order)
            let p = model.parameterCount
            var g = SeededGenerator(seed: 41)
            let theta = (0..<p).map { _ in g.nextNormal() }
            let at = model.evaluate(theta)
            let gradients = at.energyGradients()
            let star = 5
            let d = Check.unit((0..<p).map { gradients[$0, star] })
            let first = at.pushforward(d)[star]
            let root = Double(p).squareRoot()
            #expect(abs(first - root) <= 4 * Double(p) * Self.u * root)
            let curvature = at.curvatureMatrix(weights: [Double](repeating: 1, count: model.stateCount))
            #expect(curvature.elements.allSatisfy { $0 == 0 })
            let objective = LearningObjective(model: model, target: try Self.target(spins: n))
            let code = try #require(AttractorCertificate.hessianVariationBound(objective))
            #expect(code >= 2 * first * first * first * (1 - 16 * Double(p) * Self.u))
        }
    }

    /// c₂ = sup φ'' and c₃ = sup |φ'''| for the code's φ (log 2cosh, softplus):
    /// with one hidden unit, a = 0, W = 0, b = v, every state has E = −φ(v)
    /// (checked against log(2 cosh v) and log(1 + e^v)),
    /// −e₁ along b is φ'(v) and −(curvature)_{bb} is φ''(v). Central
    /// differences (step k) check φ' against φ and φ'' against φ', and give
    /// φ''' from φ''; each within `k²/6 sup|next derivative|` plus its
    /// values' rounding over k. On v ∈ [−10, 10] (beyond, φ'' ≤ 4e^{−|v|} and
    /// |φ'''| ≤ 8e^{−|v|} are far below c₂ and c₃): max φ'' = φ''(0) = c₂,
    /// max |φ'''| ≤ c₃, and at the closed-form maximiser ±u* (where the
    /// code's φ' is 1/√3 for spins and (3 + √3)/6 for bits) |φ'''| = c₃.
    @Test(arguments: RestrictedBoltzmannMachine.Units.allCases)
    func unitNonlinearityConstantsAreTheSuprema(units: RestrictedBoltzmannMachine.Units) throws {
        let model = RestrictedBoltzmannMachine(spins: 2, hidden: 1, units: units)
        let bias = try #require(model.parameterIndex(named: "b[0]"))
        var direction = [Double](repeating: 0, count: model.parameterCount)
        direction[bias] = 1
        var onehot = [Double](repeating: 0, count: model.stateCount)
        onehot[0] = 1
        /// (φ, φ', φ'') of the code at v.
        func phi(_ v: Double) -> (Double, Double, Double) {
            var theta = [Double](repeating: 0, count: model.parameterCount)
            theta[bias] = v
            let at = model.evaluate(theta)
            return (-at.energies[0], -at.pushforward(direction)[0], -at.curvatureMatrix(weights: onehot)[bias, bias])
        }
        let c2 = Check.c2(units), c3 = Check.c3(units), c4 = Check.c4(units), c5 = Check.c5(units)
        let k = 1e-4
        var largestSecond = -Double.infinity
        let grid = (-2000...2000).map { Double($0) / 200 }
        let star = Check.thirdDerivativeMaximiser(units)
        for v in grid + [star, -star] {
            let plus = v + k, minus = v - k, width = plus - minus
            let (value, slope, curvature) = phi(v)
            // φ itself: log(2 cosh v) or log(1 + e^v), both sides within a few u (absolute below 1).
            let closed = units == .spin ? log(2 * cosh(v)) : log1p(exp(v))
            #expect(abs(value - closed) <= 8 * Self.u * max(1, abs(closed)), "φ at \(v)")
            let (valuePlus, slopePlus, curvaturePlus) = phi(plus)
            let (valueMinus, slopeMinus, curvatureMinus) = phi(minus)
            // φ within 4u relative (|φ| ≤ |v| + log 2), φ' within 2u, φ'' within 4u absolute.
            let firstTolerance = k * k / 6 * c3 + 4 * Self.u * (abs(valuePlus) + abs(valueMinus)) / width
            #expect(abs((valuePlus - valueMinus) / width - slope) <= firstTolerance, "φ' at \(v)")
            let secondTolerance = k * k / 6 * c4 + 2 * Self.u * 2 / width
            #expect(abs((slopePlus - slopeMinus) / width - curvature) <= secondTolerance, "φ'' at \(v)")
            let thirdTolerance = k * k / 6 * c5 + 4 * Self.u * 2 / width
            let third = (curvaturePlus - curvatureMinus) / width
            #expect(curvature >= 0 && curvature <= c2 * (1 + 4 * Self.u))
            #expect(abs(third) <= c3 + thirdTolerance, "|φ'''(\(v))| = \(abs(third)) > c₃")
            largestSecond = max(largestSecond, curvature)
            if abs(v) == star {
                #expect(abs(abs(third) - c3) <= thirdTolerance, "|φ'''(±u*)| = \(abs(third)), c₃ = \(c3)")
                let expected = units == .spin ? 1 / 3.0.squareRoot() : (3 + 3.0.squareRoot()) / 6
                #expect(abs(slope - (v > 0 ? expected : (units == .spin ? -expected : 1 - expected))) <= 16 * Self.u)
            }
        }
        #expect(phi(0).2 == c2 && largestSecond == c2)
    }
}
