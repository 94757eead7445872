import Foundation
import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// Lifts, sets and the enumeration's phases, on an rbm(3) over a 4-spin
/// random target of every order.
@Suite struct FixedPointEnumerationTests {
    static let target = try! Target.random(spins: 4, seed: 11, orders: [1, 2, 3, 4], scales: [0.5, 0.5, 0.5, 0.5])

    /// The optimum the flow from a small initialisation reaches for
    /// rbm(h), Newton-polished.
    static func narrowOptimum(hidden: Int) throws -> (RestrictedBoltzmannMachine, [Double]) {
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: hidden)
        let objective = LearningObjective(model: model, target: target)
        let start = try Initialization.normal(scale: 1e-3, seed: 1).parameters(for: model)
        let flow = try GradientFlow(problem: GradientFlowProblem(objective: objective, initialParameters: start, endTime: 1e5,
                                                                 gradientTolerance: 1e-11), method: GradientFlowMethod())
        _ = try flow.integrate()
        let polished = try NewtonSolver(residualTolerance: 1e-13).solve(GradientSystem(objective: objective), from: flow.state)
        #expect(polished.isConverged)
        return (model, polished.solution)
    }

    /// A fixed point of rbm(h') lifted into rbm(3) with idle units (W = 0,
    /// bias 0 or saturated) is a fixed point there: |∇L| stays at the
    /// narrow point's level, and p_θ is the narrow model's.
    @Test func liftedPointsAreStationaryWithTheSameDistribution() throws {
        let wide = RestrictedBoltzmannMachine(spins: 4, hidden: 3)
        let wideObjective = LearningObjective(model: wide, target: Self.target)
        for hidden in [1, 2] {
            let (narrow, theta) = try Self.narrowOptimum(hidden: hidden)
            let narrowEvaluation = LearningObjective(model: narrow, target: Self.target).evaluate(theta)
            for bias in Lifts.idleBiases {
                let lifted = Lifts.lift(theta, from: narrow, into: wide, idleBias: bias)
                let evaluation = wideObjective.evaluate(lifted)
                #expect(Vector.norm(evaluation.gradient) <= 10 * Vector.norm(narrowEvaluation.gradient) + 1e-13)
                #expect(Vector.maxAbs(Vector.difference(evaluation.couplings, narrowEvaluation.couplings)) < 1e-12)
                #expect(abs(evaluation.loss - narrowEvaluation.loss) < 1e-12)
            }
        }
    }

    /// The default search (every method, wide starts) on rbm(3) lists the
    /// `W = 0` point, the lifted rbm(1) optimum and the lifted rbm(2)
    /// optimum, each found by the narrow models' own flows here.
    @Test func defaultSearchListsTheLiftedOptima() throws {
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 3)
        let objective = LearningObjective(model: model, target: Self.target)
        let start = try Initialization.normal(scale: 1e-3, seed: 1).parameters(for: model)
        let flow = GradientFlowProblem(objective: objective, initialParameters: start, endTime: 1e5, gradientTolerance: 1e-10)
        // Newton starts drawn wide (the default block's), flows drawn like init.
        let problem = FixedPointProblem(flow: flow, startDistribution: { seed in
            try Initialization.normal(scale: 0.5, seed: seed).parameters(for: model)
        }, flowStarts: { seed in try Initialization.normal(scale: 1e-3, seed: seed).parameters(for: model) })
        // The default search: every method, 50 wide starts, 8 flows besides the one from init.
        let report = try findFixedPoints(problem, trajectory: nil, search: FixedPointSearch(threads: 2))
        func listed(_ couplings: [Double]) -> Bool {
            report.catalog.points.contains { Vector.maxAbs(Vector.difference($0.couplings, Walsh.canonicalOrder(couplings))) < 1e-6 }
        }
        // W = 0: independent spins with the target's first moments.
        let independent = report.catalog.points.filter { point in
            point.kind == .spurious && point.couplings.enumerated().allSatisfy { a, j in
                Walsh.order(Walsh.allInteractions(spins: 4)[a]) == 1 || abs(j) < 1e-8
            }
        }
        #expect(!independent.isEmpty)
        for hidden in [1, 2] {
            let (narrow, theta) = try Self.narrowOptimum(hidden: hidden)
            let couplings = LearningObjective(model: narrow, target: Self.target).evaluate(theta).couplings
            #expect(listed(couplings), "the rbm(\(hidden)) optimum")
            let entry = report.catalog.points.first { Vector.maxAbs(Vector.difference($0.couplings, Walsh.canonicalOrder(couplings))) < 1e-6 }
            #expect(entry?.kind == .spurious)
        }
        // Every phase left its mark on the enumeration record, in order.
        #expect(report.enumeration.map(\.method).filter { $0 != "newton" } == ["flows", "lifts", "deflation", "homotopy"])
        #expect(report.visits.count == report.catalog.points.count && report.visits.contains { $0 > 0 })
    }
}

@Suite struct FixedPointSetTests {
    /// The lifted rbm(1) optimum in rbm(2): at idle bias 0 and at a
    /// saturated bias it is one non-isolated set (same effective model,
    /// neutral directions along the idle bias). The row keeps the least
    /// saturated member, counts both, spans both inertias, and is a saddle
    /// if either member is.
    @Test func aSetIsOneRowWithItsInertiaRange() throws {
        let target = FixedPointEnumerationTests.target
        let (narrow, theta) = try FixedPointEnumerationTests.narrowOptimum(hidden: 1)
        let wide = RestrictedBoltzmannMachine(spins: 4, hidden: 2)
        let objective = LearningObjective(model: wide, target: target)
        let points = try [4.0, 0.0].map { bias in
            try FixedPoint.classify(Lifts.lift(theta, from: narrow, into: wide, idleBias: bias), objective: objective,
                                    tolerances: ClassificationTolerances(), foundBy: "lifts")
        }
        #expect(points.allSatisfy { $0.neutral > 0 })
        var catalog = FixedPointCatalog()
        for point in points { catalog.insert(point) }
        #expect(catalog.points.count == 1 && catalog.members == [2])
        // The representative is the bias-0 member, inserted second.
        #expect(abs(catalog.points[0].parameters[4]) < 1e-12 || abs(catalog.points[0].parameters[5]) < 1e-12)
        let range = catalog.inertia[0]
        #expect(range.unstable.lowerBound == min(points[0].unstable, points[1].unstable))
        #expect(range.unstable.upperBound == max(points[0].unstable, points[1].unstable))
        // At idle bias 0 the lifted optimum is a saddle (the idle unit's
        // weights can lower the loss), so the row is a saddle whatever its
        // representative's own inertia.
        #expect(points[1].type == .saddle)
        #expect(catalog.type(0) == .saddle)
    }
}
