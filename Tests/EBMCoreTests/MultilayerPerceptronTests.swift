import Testing
import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// The mlp energy on its own: its derivatives at the level of the energies
/// (the loss-level checks are in `DerivativeTests`), the textbook formula,
/// parameter names, and its symmetries.
@Suite struct MultilayerPerceptronTests {
    static let models: [MultilayerPerceptron] = [
        MultilayerPerceptron(spins: 4, widths: [3], activation: .tanh),
        MultilayerPerceptron(spins: 4, widths: [3], activation: .softplus),
        MultilayerPerceptron(spins: 3, widths: [3, 2], activation: .tanh),
        MultilayerPerceptron(spins: 3, widths: [2, 3], activation: .softplus),
        MultilayerPerceptron(spins: 3, widths: [2, 2, 2], activation: .silu),
    ]

    /// State weights of mixed sign, like `q - p`.
    static func weights(_ model: MultilayerPerceptron, seed: UInt64) -> [Double] {
        randomVector(model.stateCount, scale: 0.3, seed: seed)
    }

    @Test(arguments: 0..<models.count)
    func pullbackAndPushforwardMatchDifferencesOfTheEnergies(_ index: Int) {
        let model = Self.models[index]
        let theta = randomVector(model.parameterCount, scale: 0.8, seed: UInt64(index + 60))
        let v = randomVector(model.parameterCount, scale: 1, seed: UInt64(index + 61))
        let at = model.evaluate(theta)
        let fd = centralDifference({ model.evaluate($0).energies }, at: theta, along: v)
        #expect(relativeError(at.pushforward(v), fd) < 1e-6)
        // pullback is the transpose of pushforward: ω·(D v) = (Dᵀω)·v.
        let w = Self.weights(model, seed: UInt64(index + 62))
        #expect(abs(Vector.dot(w, at.pushforward(v)) - Vector.dot(at.pullback(w), v)) < 1e-12 * Vector.norm(v) * Vector.norm(w) * 100)
        let d = at.energyGradients()
        #expect(relativeError(BLAS.multiply(d, w), at.pullback(w)) < 1e-13)
        #expect(relativeError(BLAS.multiply(d, v, transpose: true), at.pushforward(v)) < 1e-13)
    }

    /// `Σ_x ω ∂²E v` against differences of the pullback, and the dense
    /// matrix against the products.
    @Test(arguments: 0..<models.count)
    func curvatureMatchesDifferencesOfThePullback(_ index: Int) {
        let model = Self.models[index]
        let theta = randomVector(model.parameterCount, scale: 0.8, seed: UInt64(index + 70))
        let w = Self.weights(model, seed: UInt64(index + 71))
        let at = model.evaluate(theta)
        let dense = at.curvatureMatrix(weights: w)
        #expect(dense.asymmetry < 1e-12)
        for j in 0..<model.parameterCount {
            let e = unitVector(model.parameterCount, j)
            let fd = centralDifference({ model.evaluate($0).pullback(w) }, at: theta, along: e)
            let product = at.curvatureProduct(weights: w, direction: e)
            #expect(relativeError(product, fd, floor: 1e-8) < 1e-6, "column \(j)")
            #expect(relativeError(dense.column(j), product, floor: 1e-12) < 1e-12, "column \(j)")
        }
        let v = randomVector(model.parameterCount, scale: 1, seed: UInt64(index + 72))
        let fd = centralDifference({ model.evaluate($0).pullback(w) }, at: theta, along: v)
        #expect(relativeError(at.curvatureProduct(weights: w, direction: v), fd) < 1e-6)
    }

    /// `E(s) = w · φ(W2 φ(W1 s + b1) + b2) + c`, written out for one state.
    @Test(arguments: [MultilayerPerceptron.Activation.tanh, .softplus, .silu])
    func energyByDefinition(_ activation: MultilayerPerceptron.Activation) {
        let model = MultilayerPerceptron(spins: 3, widths: [2, 2], activation: activation)
        let theta = randomVector(model.parameterCount, scale: 1, seed: 5)
        func phi(_ u: Double) -> Double {
            switch activation {
            case .tanh: return tanh(u)
            case .softplus: return log(1 + exp(u))
            case .silu: return u / (1 + exp(-u))
            }
        }
        // Layout: W1 (2×3) 0..<6, b1 6..<8, W2 (2×2) 8..<12, b2 12..<14, w 14..<16, c 16.
        #expect(model.parameterCount == 17)
        let e = model.evaluate(theta).energies
        for x in 0..<8 {
            let s = (0..<3).map { Walsh.spin($0, of: x) }
            let a1 = (0..<2).map { j in phi(theta[6 + j] + (0..<3).reduce(0) { $0 + theta[j * 3 + $1] * s[$1] }) }
            let a2 = (0..<2).map { j in phi(theta[12 + j] + (0..<2).reduce(0) { $0 + theta[8 + j * 2 + $1] * a1[$1] }) }
            let expected = theta[14] * a2[0] + theta[15] * a2[1] + theta[16]
            #expect(abs(e[x] - expected) < 1e-13, "state \(x)")
        }
    }

    @Test func parameterNamesFollowTheSchema() {
        let model = MultilayerPerceptron(spins: 2, widths: [2, 1])
        #expect(model.parameterNames == ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]",
                                         "W2[0,0]", "W2[0,1]", "b2[0]", "w[0]", "c"])
        #expect(model.parameterIndex(named: "W2[0, 1]") == 7)
        #expect(model.description == "mlp(layers=[2,1], activation=tanh)")
    }

    /// The offset `c` never changes `p_θ`: a zero column of G.
    @Test func offsetIsANeutralDirection() {
        let model = MultilayerPerceptron(spins: 3, widths: [4])
        let theta = randomVector(model.parameterCount, scale: 0.7, seed: 3)
        let g = model.couplingJacobian(theta)
        #expect(Vector.maxAbs(g.column(model.parameterCount - 1)) == 0)
    }

    static func distribution(_ model: MultilayerPerceptron, _ theta: [Double]) -> [Double] {
        Distribution.boltzmann(energies: model.evaluate(theta).energies).probabilities
    }

    @Test(arguments: [MultilayerPerceptron.Activation.tanh, .softplus])
    func canonicalFormPreservesTheDistributionAndIsIdempotent(_ activation: MultilayerPerceptron.Activation) {
        let model = MultilayerPerceptron(spins: 4, widths: [3, 2], activation: activation)
        let theta = randomVector(model.parameterCount, scale: 1, seed: 8)
        let canonical = model.canonicalized(theta)
        #expect(canonical != theta)
        #expect(relativeError(Self.distribution(model, canonical), Self.distribution(model, theta)) < 1e-13)
        #expect(model.canonicalized(canonical) == canonical)
        // Every image canonicalises to the same point.
        for image in model.symmetryImages(theta, limit: 100) {
            #expect(relativeError(model.canonicalized(image), canonical) < 1e-13)
        }
    }

    @Test(arguments: [MultilayerPerceptron.Activation.tanh, .softplus, .silu])
    func symmetryImagesHaveTheSameDistribution(_ activation: MultilayerPerceptron.Activation) {
        let model = MultilayerPerceptron(spins: 3, widths: [3, 2], activation: activation)
        let theta = randomVector(model.parameterCount, scale: 1, seed: 2)
        let images = model.symmetryImages(theta, limit: 10_000)
        let expected = activation == .tanh ? 6 * 8 * 2 * 4 : 6 * 2 // 3! 2³ × 2! 2², or 3! × 2!
        #expect(images.count == expected)
        #expect(model.orbitSize(theta) == Double(expected))
        #expect(images[0] == theta)
        #expect(Set(images.map { $0.map { ($0 * 1e12).rounded() } }).count == expected)
        let p = Self.distribution(model, theta)
        for image in images {
            #expect(relativeError(Self.distribution(model, image), p) < 1e-13)
        }
        #expect(model.symmetryImages(theta, limit: 5).count == 5)
    }

    /// A unit with all weights zero is fixed by its flip; two identical units
    /// by their swap.
    @Test func orbitSizeAtDegeneratePoints() {
        let model = MultilayerPerceptron(spins: 2, widths: [3])
        // W1 (3×2), b1, w, c.
        var theta = [0.5, -0.2, 0.5, -0.2, 0, 0, 0.1, 0.1, 0, 1.5, 1.5, 0, 0.3]
        #expect(theta.count == model.parameterCount)
        #expect(model.orbitSize(theta) == 3 * 2 * 2) // 3!/2! × 2² (unit 2 is fixed)
        theta[8] = 0.4
        #expect(model.orbitSize(theta) == 3 * 2 * 4) // 3!/2! × 2³
        #expect(model.orbitSize([Double](repeating: 0, count: model.parameterCount)) == 1)
    }
}
