import Testing
import EBMCore
import EBMLinearAlgebra

/// Every derivative against central finite differences at random points.
@Suite struct DerivativeTests {
    static let models: [any EnergyModel] = [
        GeneralisedIsingModel(spins: 4, order: 2),
        GeneralisedIsingModel(spins: 4, order: 4),
        RestrictedBoltzmannMachine(spins: 4, hidden: 3, units: .spin),
        RestrictedBoltzmannMachine(spins: 4, hidden: 3, units: .binary),
        RestrictedBoltzmannMachine(spins: 3, hidden: 5, units: .spin),
        MultilayerPerceptron(spins: 4, widths: [3], activation: .tanh),
        MultilayerPerceptron(spins: 4, widths: [3], activation: .softplus),
        MultilayerPerceptron(spins: 3, widths: [3, 2], activation: .tanh),
        MultilayerPerceptron(spins: 3, widths: [2, 3], activation: .softplus),
        MultilayerPerceptron(spins: 3, widths: [2, 2], activation: .silu),
    ]

    static func objective(_ model: any EnergyModel, frozen: Set<Int> = []) throws -> LearningObjective {
        let values = randomVector(model.parameterCount, scale: 0.6, seed: 99)
        return LearningObjective(model: model, target: try randomTarget(spins: model.spins), frozen: frozen, frozenValues: values)
    }

    @Test(arguments: 0..<models.count)
    func gradientMatchesDifferencesOfTheLoss(_ index: Int) throws {
        let objective = try Self.objective(Self.models[index])
        let theta = randomVector(objective.dimension, scale: 0.7, seed: UInt64(index + 1))
        let gradient = objective.evaluate(theta).gradient
        let fd = (0..<objective.dimension).map { j in
            centralDifference({ [objective.evaluate($0).loss] }, at: theta, along: unitVector(objective.dimension, j))[0]
        }
        #expect(relativeError(fd, gradient) < 1e-6)
    }

    @Test(arguments: 0..<models.count)
    func hessianMatchesDifferencesOfTheGradient(_ index: Int) throws {
        let objective = try Self.objective(Self.models[index])
        let theta = randomVector(objective.dimension, scale: 0.7, seed: UInt64(index + 10))
        let at = objective.evaluate(theta)
        let h = at.hessian()
        #expect(h.asymmetry < 1e-12)
        for j in 0..<objective.dimension {
            let fd = centralDifference({ objective.evaluate($0).gradient }, at: theta, along: unitVector(objective.dimension, j))
            #expect(differenceError(fd, h.column(j)) < 1e-6, "column \(j)")
        }
    }

    @Test(arguments: 0..<models.count)
    func hessianVectorProductMatchesHessianAndDifferences(_ index: Int) throws {
        let objective = try Self.objective(Self.models[index])
        let theta = randomVector(objective.dimension, scale: 0.7, seed: UInt64(index + 20))
        let v = randomVector(objective.dimension, scale: 1, seed: UInt64(index + 30))
        let at = objective.evaluate(theta)
        let hv = at.hessianVectorProduct(v)
        let dense = BLAS.multiply(at.hessian(), v)
        #expect(relativeError(hv, dense) < 1e-12)
        let fd = centralDifference({ objective.evaluate($0).gradient }, at: theta, along: v)
        #expect(relativeError(fd, hv) < 1e-6)
    }

    @Test(arguments: 0..<models.count)
    func couplingJacobianMatchesDifferencesOfTheCouplings(_ index: Int) throws {
        let model = Self.models[index]
        let theta = randomVector(model.parameterCount, scale: 0.7, seed: UInt64(index + 40))
        let g = model.couplingJacobian(theta)
        #expect(g.rows == model.stateCount - 1 && g.columns == model.parameterCount)
        for j in 0..<model.parameterCount {
            let fd = centralDifference({ Walsh.canonicalOrder(model.effectiveCouplings($0)) }, at: theta,
                                       along: unitVector(model.parameterCount, j))
            #expect(differenceError(fd, g.column(j)) < 1e-6, "column \(j)")
        }
    }

    /// `∇L = Gᵀ (m(p) - m(q))` (docs/design.md, The loss and its derivatives) ties the gradient to G.
    @Test(arguments: 0..<models.count)
    func gradientIsCouplingJacobianTransposeTimesMomentGap(_ index: Int) throws {
        let objective = try Self.objective(Self.models[index])
        let theta = randomVector(objective.dimension, scale: 0.7, seed: UInt64(index + 50))
        let at = objective.evaluate(theta)
        let m = at.moments, mq = objective.target.moments
        let gap = Walsh.canonicalOrder(zip(m, mq).map { $0 - $1 })
        let g = objective.model.couplingJacobian(at.theta)
        let viaG = BLAS.multiply(g, gap, transpose: true)
        #expect(relativeError(viaG, at.gradient) < 1e-10)
    }

    /// Relative error of a difference quotient; a column that is zero up to
    /// rounding (a direction that never changes `p_θ`, like the mlp's offset
    /// `c`) must instead agree within 1e-9 absolutely (the differences' own
    /// rounding is about 1e-11).
    func differenceError(_ fd: [Double], _ exact: [Double]) -> Double {
        relativeError(fd, exact, floor: Vector.norm(exact) <= 1e-12 ? 1e-3 : 1e-8)
    }

    @Test func frozenParametersActOnTheFreeOnes() throws {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 2)
        let frozen: Set<Int> = [3, 4] // b[0], b[1]
        let objective = try Self.objective(model, frozen: frozen)
        #expect(objective.dimension == model.parameterCount - 2)
        #expect(!objective.freeParameterNames.contains("b[0]"))
        let theta = randomVector(objective.dimension, scale: 0.5, seed: 5)
        let at = objective.evaluate(theta)
        #expect(at.theta[3] == objective.frozenValues[3])
        let fd = (0..<objective.dimension).map { j in
            centralDifference({ [objective.evaluate($0).loss] }, at: theta, along: unitVector(objective.dimension, j))[0]
        }
        #expect(relativeError(fd, at.gradient) < 1e-6)
        let v = randomVector(objective.dimension, scale: 1, seed: 6)
        #expect(relativeError(at.hessianVectorProduct(v), BLAS.multiply(at.hessian(), v)) < 1e-12)
    }

    /// With parameters frozen at scattered indices the free gradient and
    /// Hessian are the full ones restricted: each checked against finite
    /// differences of the restricted objective itself, so a wrong index
    /// mapping shared by the analytic paths cannot pass.
    static let frozenCases: [(model: any EnergyModel, frozen: Set<Int>)] = [
        (RestrictedBoltzmannMachine(spins: 3, hidden: 2, units: .spin), [0, 6, 10]),
        (RestrictedBoltzmannMachine(spins: 3, hidden: 2, units: .binary), [2, 3, 7]),
        (GeneralisedIsingModel(spins: 3, order: 3), [1, 4]),
        (MultilayerPerceptron(spins: 3, widths: [2], activation: .tanh), [1, 5, 8]),
    ]

    @Test(arguments: 0..<frozenCases.count)
    func frozenHessianMatchesDifferencesOfTheFreeGradient(_ index: Int) throws {
        let (model, frozen) = Self.frozenCases[index]
        let objective = try Self.objective(model, frozen: frozen)
        #expect(objective.dimension == model.parameterCount - frozen.count)
        let theta = randomVector(objective.dimension, scale: 0.7, seed: UInt64(index + 60))
        let at = objective.evaluate(theta)
        for k in frozen { #expect(at.theta[k] == objective.frozenValues[k]) }
        let fdGradient = (0..<objective.dimension).map { j in
            centralDifference({ [objective.evaluate($0).loss] }, at: theta, along: unitVector(objective.dimension, j))[0]
        }
        #expect(relativeError(fdGradient, at.gradient) < 1e-6)
        let h = at.hessian()
        #expect(h.rows == objective.dimension && h.asymmetry < 1e-12)
        for j in 0..<objective.dimension {
            let fd = centralDifference({ objective.evaluate($0).gradient }, at: theta, along: unitVector(objective.dimension, j))
            #expect(differenceError(fd, h.column(j)) < 1e-6, "column \(j)")
        }
    }

    /// Symmetry images have the same distribution: the canonical form must
    /// leave every probability unchanged, and be idempotent.
    @Test(arguments: [RestrictedBoltzmannMachine.Units.spin, .binary])
    func canonicalFormPreservesTheDistribution(_ units: RestrictedBoltzmannMachine.Units) {
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 3, units: units)
        let theta = randomVector(model.parameterCount, scale: 1, seed: 8)
        let canonical = model.canonicalized(theta)
        let p = Distribution.boltzmann(energies: model.evaluate(theta).energies).probabilities
        let pc = Distribution.boltzmann(energies: model.evaluate(canonical).energies).probabilities
        #expect(relativeError(pc, p) < 1e-13)
        #expect(model.canonicalized(canonical) == canonical)
        // A hidden permutation plus a sign flip of the image canonicalises to the same point.
        var image = theta
        let n = 4, h = 3
        for i in 0..<n { image.swapAt(n + h + i, n + h + n + i) }
        image.swapAt(n, n + 1)
        if units == .spin {
            image[n + 2] = -image[n + 2]
            for i in 0..<n { image[n + h + 2 * n + i] = -image[n + h + 2 * n + i] }
        } else {
            for i in 0..<n { image[i] += image[n + h + 2 * n + i]; image[n + h + 2 * n + i] = -image[n + h + 2 * n + i] }
            image[n + 2] = -image[n + 2]
        }
        #expect(relativeError(model.canonicalized(image), canonical) < 1e-13)
    }

    /// The spin RBM energy at one state by the textbook formula.
    @Test func rbmEnergyByDefinition() {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 2, units: .spin)
        let binary = RestrictedBoltzmannMachine(spins: 3, hidden: 2, units: .binary)
        let theta = randomVector(model.parameterCount, scale: 1, seed: 4)
        let e = model.evaluate(theta).energies
        let eb = binary.evaluate(theta).energies
        for x in 0..<8 {
            let s = (0..<3).map { Walsh.spin($0, of: x) }
            let v = s.map { (1 - $0) / 2 }
            var expected = 0.0, expectedBinary = 0.0
            for i in 0..<3 { expected -= theta[i] * s[i]; expectedBinary -= theta[i] * v[i] }
            for mu in 0..<2 {
                var u = theta[3 + mu], ub = theta[3 + mu]
                for i in 0..<3 { u += theta[5 + mu * 3 + i] * s[i]; ub += theta[5 + mu * 3 + i] * v[i] }
                expected -= log(2 * cosh(u))
                expectedBinary -= log(1 + exp(ub))
            }
            #expect(abs(e[x] - expected) < 1e-13)
            #expect(abs(eb[x] - expectedBinary) < 1e-13)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
