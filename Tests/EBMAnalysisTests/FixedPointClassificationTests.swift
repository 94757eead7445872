import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FixedPointClassificationTests {
    static func randomTarget(spins n: Int, seed: UInt64 = 5) throws -> Target {
        try Target.random(spins: n, seed: seed, orders: Array(1...n), scales: (1...n).map { 0.6 / Double($0) })
    }

    /// The full model at θ = J* is the unique, data-consistent sink.
    @Test func fullModelAtTargetCouplingsIsADataConsistentSink() throws {
        let target = try Self.randomTarget(spins: 4)
        let model = GeneralisedIsingModel(spins: 4, order: 4)
        let objective = LearningObjective(model: model, target: target)
        let point = try FixedPoint.classify(Walsh.canonicalOrder(target.couplings), objective: objective,
                                            tolerances: ClassificationTolerances(), foundBy: "test")
        #expect(point.kind == .dataConsistent)
        #expect(point.consistentToOrder == 4)
        #expect(point.type == .sink && point.stable == 15 && point.neutral == 0 && point.unstable == 0)
        #expect(point.loss < 1e-14 && point.gradientNorm < 1e-14)
        #expect(point.orbitSize == 1)
    }

    /// rbm(h=1) at W = 0, b = 0, a_i = atanh m_i(q): a spurious saddle,
    /// consistent to order 1, whenever q has a connected pairwise correlation;
    /// b is a neutral direction that leaves the effective model unchanged.
    @Test func rbmAtZeroWeightsIsASpuriousSaddle() throws {
        let n = 3
        let target = try Self.randomTarget(spins: n)
        let model = RestrictedBoltzmannMachine(spins: n, hidden: 1)
        let objective = LearningObjective(model: model, target: target)
        var theta = [Double](repeating: 0, count: model.parameterCount)
        for i in 0..<n { theta[i] = atanh(target.moments[1 << i]) }
        let point = try FixedPoint.classify(theta, objective: objective, tolerances: ClassificationTolerances(), foundBy: "test")
        #expect(point.gradientNorm < 1e-14)
        #expect(point.kind == .spurious)
        #expect(point.consistentToOrder == 1)
        #expect(point.type == .saddle && point.unstable >= 1 && point.stable >= n && point.neutral >= 1)
        #expect(point.maximumNeutralCouplingChange < 1e-12)
        // W = 0, b = 0 is fixed by the unit's flip: an orbit of one point.
        #expect(point.orbitSize == 1)
    }

    @Test func typesFollowTheInertia() {
        #expect(FixedPointType(stable: 3, neutral: 0, unstable: 0) == .sink)
        #expect(FixedPointType(stable: 0, neutral: 0, unstable: 2) == .source)
        #expect(FixedPointType(stable: 2, neutral: 1, unstable: 1) == .saddle)
        #expect(FixedPointType(stable: 2, neutral: 1, unstable: 0) == .degenerate)
    }

    @Test func catalogMergesSymmetryImages() throws {
        let n = 3
        let target = try Self.randomTarget(spins: n)
        let model = RestrictedBoltzmannMachine(spins: n, hidden: 2)
        let objective = LearningObjective(model: model, target: target)
        var generator = SeededGenerator(seed: 9)
        let theta = (0..<model.parameterCount).map { _ in generator.nextNormal() }
        let images = model.symmetryImages(theta, limit: 100)
        #expect(images.count == 8) // 2! · 2²
        #expect(model.orbitSize(theta) == 8)
        var catalog = FixedPointCatalog()
        for image in images {
            let p = try FixedPoint.classify(image, objective: objective, tolerances: ClassificationTolerances(), foundBy: "image")
            catalog.insert(p)
        }
        #expect(catalog.points.count == 1 && catalog.groupCount == 1)
    }

    @Test(arguments: [RestrictedBoltzmannMachine.Units.spin, .binary])
    func symmetryImagesHaveTheSameDistribution(_ units: RestrictedBoltzmannMachine.Units) {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 3, units: units)
        var generator = SeededGenerator(seed: 2)
        let theta = (0..<model.parameterCount).map { _ in generator.nextNormal() }
        let images = model.symmetryImages(theta, limit: 1000)
        #expect(images.count == 48) // 3! · 2³
        #expect(Set(images.map { $0.map { ($0 * 1e9).rounded() } }).count == 48)
        let p = Distribution.boltzmann(energies: model.evaluate(theta).energies).probabilities
        for image in images {
            let q = Distribution.boltzmann(energies: model.evaluate(image).energies).probabilities
            #expect(Vector.maxAbs(Vector.difference(p, q)) < 1e-14)
            #expect(Vector.maxAbs(Vector.difference(model.canonicalized(image), model.canonicalized(theta))) < 1e-12)
        }
    }
}
