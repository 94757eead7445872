import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FixedPointSearchTests {
    static func problem(_ objective: LearningObjective, scale: Double, endTime: Double = 1e4) -> FixedPointProblem {
        let model = objective.model
        let flow = GradientFlowProblem(objective: objective, initialParameters: [Double](repeating: 0, count: objective.dimension),
                                       endTime: endTime, gradientTolerance: 1e-10)
        return FixedPointProblem(flow: flow) { seed in
            objective.freeParameters(try Initialization.normal(scale: scale, seed: seed).parameters(for: model))
        }
    }

    static func trajectory(_ problem: FixedPointProblem, from start: [Double]) throws -> Trajectory {
        let flow = GradientFlowProblem(objective: problem.objective, initialParameters: start, endTime: problem.flow.endTime,
                                       gradientTolerance: 1e-10)
        return try GradientFlow(problem: flow, method: GradientFlowMethod()).sampledTrajectory(TrajectorySampling(count: 100))
    }

    /// The full model's loss is convex in θ = J: one fixed point, θ = J*.
    @Test func fullModelHasExactlyOneFixedPoint() throws {
        let target = try Target.random(spins: 3, seed: 6, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 3), target: target)
        let problem = Self.problem(objective, scale: 1)
        let report = try findFixedPoints(problem, trajectory: try Self.trajectory(problem, from: [Double](repeating: 0, count: 7)),
                                         search: FixedPointSearch(starts: 6, homotopyStarts: 2))
        #expect(report.catalog.points.count == 1)
        let point = report.catalog.points[0]
        #expect(point.kind == .dataConsistent && point.type == .sink && point.neutral == 0 && point.unstable == 0)
        #expect(Vector.maxAbs(Vector.difference(point.parameters, Walsh.canonicalOrder(target.couplings))) < 1e-10)
        #expect(point.foundBy.contains("newton") && point.foundBy.contains("trajectory"))
    }

    /// ising(2) on a target with higher orders: the maximum-entropy
    /// projection, spurious but consistent to order 2, a sink.
    @Test func pairwiseModelHasOneSpuriousSink() throws {
        let target = try Target.random(spins: 4, seed: 2, orders: [1, 2, 3, 4], scales: [0.4, 0.4, 0.4, 0.4])
        let model = GeneralisedIsingModel(spins: 4, order: 2)
        let objective = LearningObjective(model: model, target: target)
        let problem = Self.problem(objective, scale: 1)
        let report = try findFixedPoints(problem, trajectory: try Self.trajectory(problem, from: [Double](repeating: 0, count: 10)),
                                         search: FixedPointSearch(starts: 6, homotopyStarts: 2))
        #expect(report.catalog.points.count == 1)
        let point = report.catalog.points[0]
        #expect(point.kind == .spurious && point.consistentToOrder == 2 && point.type == .sink)
    }

    /// The paper's second claim on an over-parameterised RBM: around the
    /// data-consistent points every direction is stable or neutral, and
    /// neutral directions leave the effective model unchanged.
    @Test func overParameterisedRBMDataConsistentPointsAreStableOrNeutral() throws {
        let target = try Target.random(spins: 3, seed: 7, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 8)
        let objective = LearningObjective(model: model, target: target)
        let problem = Self.problem(objective, scale: 0.5)
        let start = try Initialization.normal(scale: 0.1, seed: 1).parameters(for: model)
        let report = try findFixedPoints(problem, trajectory: try Self.trajectory(problem, from: start),
                                         search: FixedPointSearch(methods: [.newton], starts: 4))
        let consistent = report.catalog.points.filter { $0.kind == .dataConsistent }
        #expect(!consistent.isEmpty)
        for point in consistent {
            #expect(point.unstable == 0)
            #expect(point.neutral >= 1)
            #expect(point.maximumNeutralCouplingChange <= 1e-6)
            #expect(point.loss < 1e-12)
        }
    }

    /// rbm(h=1) with the hidden bias frozen at 0: the point W = 0 with fields
    /// a_i = atanh m_i(q) is found from a small start and classified as a
    /// spurious saddle consistent to order 1 (q has pairwise correlations).
    @Test func rbmZeroWeightSaddleIsFoundAndClassified() throws {
        let target = try Target.random(spins: 3, seed: 5, orders: [1, 2], scales: [0.5, 0.6])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let objective = LearningObjective(model: model, target: target, frozen: [3])
        let problem = Self.problem(objective, scale: 1e-3)
        let report = try findFixedPoints(problem, trajectory: nil, search: FixedPointSearch(methods: [.newton], starts: 3))
        let saddle = report.catalog.points.first { Vector.maxAbs(Array($0.parameters[4...])) < 1e-8 }
        #expect(saddle != nil)
        if let saddle {
            for i in 0..<3 { #expect(abs(saddle.parameters[i] - atanh(target.moments[1 << i])) < 1e-9) }
            #expect(saddle.kind == .spurious && saddle.consistentToOrder == 1 && saddle.type == .saddle)
        }
    }

    /// Deflation in the quotient by symmetry, with the teacher's point (the
    /// flow's end from a small start) deflated, finds new points and never
    /// the teacher's image (the flipped hidden unit, the other
    /// data-consistent point); every row is a distinct canonical form.
    @Test func deflationNeverReportsSymmetryImages() throws {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let teacher = [0.2, -0.1, 0.3, 0.4, 1.1, -0.8, 0.6]
        let target = try Target(spins: 3, unnormalisedLogProbabilities: model.evaluate(teacher).energies.map { -$0 })
        let objective = LearningObjective(model: model, target: target)
        let problem = Self.problem(objective, scale: 1)
        let start = try Initialization.normal(scale: 0.1, seed: 1).parameters(for: model)
        let report = try findFixedPoints(problem, trajectory: try Self.trajectory(problem, from: start),
                                         search: FixedPointSearch(methods: [.deflation], starts: 6))
        #expect(report.catalog.points.contains { $0.foundBy == "deflation" })
        let canonical = report.catalog.points.map(\.canonicalParameters)
        for i in canonical.indices {
            for j in canonical.indices where j > i {
                #expect(Vector.norm(Vector.difference(canonical[i], canonical[j])) > 1e-6)
            }
        }
        #expect(report.catalog.points.contains { $0.kind == .dataConsistent })
        let teacherCanonical = model.canonicalized(teacher)
        #expect(report.catalog.points.contains { Vector.maxAbs(Vector.difference($0.canonicalParameters, teacherCanonical)) < 1e-8 })
    }
}

@Suite struct EscapeTests {
    /// rbm(h=1) cannot represent this 3-spin target: from W[0,0] = b[0] = 1
    /// the flow runs off to infinity (|θ| grows like log t while the
    /// effective model settles), and the catalog lists the limit as
    /// `asymptotic`, never as a finite fixed point.
    @Test func escapingTrajectoryIsCataloguedAsAsymptotic() throws {
        let target = try Target.random(spins: 3, seed: 21, orders: [1, 2, 3], scales: [0.4, 0.6, 0.3])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let objective = LearningObjective(model: model, target: target)
        let start = try Initialization.values(["W[0,0]": 1, "b[0]": 1]).parameters(for: model)
        let flow = GradientFlowProblem(objective: objective, initialParameters: start, endTime: 1e4, gradientTolerance: 1e-10)
        let trajectory = try GradientFlow(problem: flow, method: GradientFlowMethod()).sampledTrajectory(TrajectorySampling(count: 200))
        #expect(trajectory.stopReason == .endTime)
        let escape = try #require(TrajectoryDiagnostics.escape(trajectory))
        #expect(escape.normGrowth > 1 && escape.couplingChange < 0.1 * escape.normGrowth)
        let problem = FixedPointProblem(flow: flow) { _ in start }
        let report = try findFixedPoints(problem, trajectory: trajectory, search: FixedPointSearch(methods: [], starts: 0))
        #expect(report.catalog.points.count == 1)
        let point = report.catalog.points[0]
        #expect(point.kind == .asymptotic && point.inertiaAtLastPoint && point.foundBy == "trajectory")
        #expect(abs(point.loss - trajectory.final.loss) < 1e-15)
        // A converging trajectory is not an escape.
        let converging = GradientFlowProblem(objective: LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 3), target: target),
                                             initialParameters: [Double](repeating: 0, count: 7), endTime: 1e3)
        let settled = try GradientFlow(problem: converging, method: GradientFlowMethod()).sampledTrajectory(TrajectorySampling(count: 50))
        #expect(TrajectoryDiagnostics.escape(settled) == nil)
    }
}
