import Foundation
import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LearningContinuationTests {
    static let method = try! PseudoArclength(step: try! StepControl(initial: 0.01, minimum: 1e-8, maximum: 0.05), maxPoints: 2000)

    /// Full ising(n) continued in β from 0 to 1: the data-consistent point
    /// stays a sink and its couplings are β J* along the whole branch.
    @Test func fullModelBranchIsBetaTimesTargetCouplings() throws {
        let base = try Target.random(spins: 3, seed: 4, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let model = GeneralisedIsingModel(spins: 3, order: 3)
        let objective = LearningObjective(model: model, target: base)
        let branches = try bifurcationDiagram(ContinuationStartUnits(
            family: try TargetFamily(parameter: .beta, base: base), objective: objective,
            starts: [[Double](repeating: 0, count: 7)], from: 0, to: 1, method: Self.method,
            tolerances: ClassificationTolerances())).branches
        #expect(branches.count == 1)
        let branch = branches[0]
        #expect(branch.points.count > 10)
        #expect(abs(branch.points.last!.lambda - 1) < 1e-12)
        let jStar = Walsh.canonicalOrder(base.couplings)
        for point in branch.points {
            #expect(point.index == 0 && point.neutral == 0 && point.kind == .dataConsistent)
            #expect(Vector.maxAbs(Vector.difference(point.parameters, jStar.map { point.lambda * $0 })) < 1e-9)
        }
        #expect(branch.specialPoints.allSatisfy { $0.kind == .boundary })
    }

    /// A long branch reports how far it has got: one line every
    /// `progressInterval` polls (continuation steps and classified points),
    /// and the diagram is the one computed without progress.
    @Test func continuationReportsProgressAlongABranch() throws {
        let base = try Target.random(spins: 3, seed: 4, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 3), target: base)
        func units(_ progress: (@Sendable (String) -> Void)?) throws -> ContinuationStartUnits {
            ContinuationStartUnits(family: try TargetFamily(parameter: .beta, base: base), objective: objective,
                                   starts: [[Double](repeating: 0, count: 7)], from: 0, to: 1, method: Self.method,
                                   tolerances: ClassificationTolerances(), progress: progress, progressInterval: 10)
        }
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var all: [String] = []
            func add(_ line: String) { lock.withLock { all.append(line) } }
        }
        let lines = Lines()
        let reported = try bifurcationDiagram(try units(lines.add)).branches
        let silent = try bifurcationDiagram(try units(nil)).branches
        let points = reported[0].points.count
        #expect(points > 20 && points == silent[0].points.count)
        #expect(reported[0].points.map(\.parameters) == silent[0].points.map(\.parameters))
        // At least one poll per step and one per classified point.
        #expect(lines.all.count >= 2 * points / 10, "\(lines.all.count) lines for \(points) points")
        #expect(lines.all.first == "continuation: start 0: 10 points followed or classified")
    }

    /// ∂F/∂λ against central differences in λ, for every family, with the
    /// scenario's β at 1 and at 1.7.
    @Test(arguments: [TargetFamily.Parameter.beta, .mix, .coupling(mask: 3), .pseudocount], [1.0, 1.7])
    func parameterDerivativeMatchesDifferences(_ parameter: TargetFamily.Parameter, beta: Double) throws {
        let base = try Target.random(spins: 3, seed: 9, orders: [1, 2, 3], scales: [0.4, 0.4, 0.4])
        let counts = [3.0, 0, 5, 1, 2, 7, 0, 4]
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 2)
        let objective = LearningObjective(model: model, target: base)
        let family = try TargetFamily(parameter: parameter, base: base, beta: beta, counts: counts)
        let system = LearningContinuationSystem(family: family, objective: objective)
        var g = SeededGenerator(seed: 3)
        let theta = (0..<model.parameterCount).map { _ in 0.5 * g.nextNormal() }
        let lambda = 0.6, h = 1e-5
        let analytic = try system.parameterDerivative(theta, parameter: lambda)
        let plus = try system.residual(theta, parameter: lambda + h), minus = try system.residual(theta, parameter: lambda - h)
        let numeric = zip(plus, minus).map { ($0 - $1) / (2 * h) }
        #expect(Vector.norm(Vector.difference(analytic, numeric)) <= 1e-6 * max(Vector.norm(analytic), 1e-8))
    }

    /// rbm(h=1), 3 spins, a = 0 and b = 0.5 frozen, on the ferromagnetic
    /// triangle q_β ∝ exp(β/2 Σ s_i s_j): W = 0 is a fixed point for all β and
    /// its Hessian is I - (1 - tanh² b) C_q. It loses stability where
    /// 1 + 2c(β) = 1/(1 - tanh² b), c = (e^{2β} - 1)/(e^{2β} + 3): a pitchfork,
    /// whose two new branches are mirror images W -> -W.
    @Test func rbmPitchforkAtTheClosedFormBeta() throws {
        let base = try Target(spins: 3, couplings: [(3, 0.5), (5, 0.5), (6, 0.5)])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        var values = [Double](repeating: 0, count: 7)
        values[3] = 0.5
        let objective = LearningObjective(model: model, target: base, frozen: [0, 1, 2, 3], frozenValues: values)
        let branches = try bifurcationDiagram(ContinuationStartUnits(
            family: try TargetFamily(parameter: .beta, base: base), objective: objective, starts: [[0, 0, 0]],
            from: 0, to: 3, method: Self.method, tolerances: ClassificationTolerances())).branches
        let t2 = pow(tanh(0.5), 2)
        let c = (1 / (1 - t2) - 1) / 2
        let y = (1 + 3 * c) / (1 - c)           // e^{2β}
        let expected = log(y) / 2
        let branchPoints = branches[0].specialPoints.filter { $0.kind == .branchPoint }
        #expect(branchPoints.count == 1)
        #expect(abs(branchPoints[0].parameter - expected) < 1e-6)
        // Before it the W = 0 branch is a sink, after it a saddle of index 1.
        let trivial = branches[0].points
        #expect(trivial.allSatisfy { Vector.maxAbs(Array($0.parameters[4...])) < 1e-12 })
        #expect(trivial.filter { $0.lambda < expected - 1e-3 }.allSatisfy { $0.index == 0 })
        #expect(trivial.filter { $0.lambda > expected + 1e-3 }.allSatisfy { $0.index == 1 })
        // Both switched branches: W along (1, 1, 1), mirror images, sinks, lower KL than W = 0.
        #expect(branches.count == 3)
        let ends = branches[1...].map { $0.points.last! }
        for end in ends {
            let w = Array(end.parameters[4...])
            #expect(abs(w[0] - w[1]) < 1e-8 && abs(w[1] - w[2]) < 1e-8 && abs(w[0]) > 0.1)
            #expect(end.index == 0)
            #expect(end.loss < trivial.last!.loss)
        }
        #expect(abs(ends[0].parameters[4] + ends[1].parameters[4]) < 1e-8)
    }

    /// The rbm(h=1) of `rbmPitchforkAtTheClosedFormBeta` at β = 1, a, b frozen.
    static func frozenRBM() throws -> (base: Target, objective: LearningObjective) {
        let base = try Target(spins: 3, couplings: [(3, 0.5), (5, 0.5), (6, 0.5)])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        var values = [Double](repeating: 0, count: 7)
        values[3] = 0.5
        return (base, LearningObjective(model: model, target: base, frozen: [0, 1, 2, 3], frozenValues: values))
    }

    /// The triangle's pair correlation c(β) = (e^{2β} - 1)/(e^{2β} + 3); mixing
    /// with the uniform distribution multiplies it by μ, so the W = 0 branch
    /// point lies where 1 + 2μc(β) = 1/(1 - tanh² 0.5) = cosh² 0.5.
    static func pairCorrelation(_ beta: Double) -> Double { (exp(2 * beta) - 1) / (exp(2 * beta) + 3) }
    static let criticalCorrelation = (pow(cosh(0.5), 2) - 1) / 2

    /// `mix` from 0.05 to 1.0, the edge of its range: every branch runs to
    /// exactly 1.0 (none aborts by stepping past it) and the branch point is
    /// the closed form μ* = c*/c(1).
    @Test func mixContinuationRunsToTheEdgeOfItsRange() throws {
        let (base, objective) = try Self.frozenRBM()
        let diagram = try bifurcationDiagram(ContinuationStartUnits(
            family: try TargetFamily(parameter: .mix, base: base), objective: objective, starts: [[0, 0, 0]],
            from: 0.05, to: 1.0, method: Self.method, tolerances: ClassificationTolerances()))
        #expect(diagram.branches.count == 3)
        for branch in diagram.branches {
            #expect(branch.status == "reachedBound" && branch.failure == nil)
            #expect(branch.points.last!.lambda == 1.0)
        }
        let bp = try #require(diagram.branches[0].specialPoints.first { $0.kind == .branchPoint })
        let expected = Self.criticalCorrelation / Self.pairCorrelation(1)
        #expect(abs(bp.parameter - expected) < 1e-9, "\(bp.parameter) vs \(expected)")
    }

    /// The scenario's β applies in every one-parameter family but `beta`'s:
    /// `mix` mixes q_β, `coupling` sets J*_a and then multiplies by β, the
    /// pseudocount's table is raised to β; each family's target at the
    /// scenario's own value of its parameter is the scenario's target.
    @Test func scenarioBetaAppliesToEveryFamily() throws {
        let base = try Target.random(spins: 3, seed: 9, orders: [1, 2, 3], scales: [0.4, 0.4, 0.4])
        let beta = 1.7, tempered = try base.atInverseTemperature(beta)
        func close(_ a: Target, _ b: Target) -> Bool { Vector.maxAbs(Vector.difference(a.probabilities, b.probabilities)) < 1e-14 }
        #expect(close(try TargetFamily(parameter: .mix, base: base, beta: beta).target(at: 1), tempered))
        #expect(close(try TargetFamily(parameter: .beta, base: base, beta: 0.2).target(at: beta), tempered))
        #expect(close(try TargetFamily(parameter: .coupling(mask: 5), base: base, beta: beta).target(at: base.couplings[5]), tempered))
        let counts = [3.0, 0, 5, 1, 2, 7, 0, 4]
        let data = try Target.frequencies(spins: 3, samples: counts.indices.flatMap { x in [Int](repeating: x, count: Int(counts[x])) },
                                          pseudocount: 0.5)
        #expect(close(try TargetFamily(parameter: .pseudocount, base: data, beta: beta, counts: counts).target(at: 0.5),
                      try data.atInverseTemperature(beta)))
        // mix at μ: (1 - μ) u + μ q_β, not q_1.
        let mixed = try TargetFamily(parameter: .mix, base: base, beta: beta).target(at: 0.3)
        #expect(Vector.maxAbs(Vector.difference(mixed.probabilities, tempered.probabilities.map { 0.7 / 8 + 0.3 * $0 })) < 1e-14)
    }

    /// ∂q/∂λ and ∂q/∂μ of two-parameter families against central differences
    /// (with a scenario β of 1.3 where β is not one of the two), and the
    /// (beta, mix) family against its definition (1 - μ) u + μ q_β.
    @Test(arguments: [(TargetFamily.Parameter.beta, TargetFamily.Parameter.mix), (.mix, .beta),
                      (.coupling(mask: 3), .beta), (.coupling(mask: 5), .coupling(mask: 6)), (.pseudocount, .mix),
                      (.coupling(mask: 7), .mix)])
    func twoParameterFamilyDerivatives(_ first: TargetFamily.Parameter, _ second: TargetFamily.Parameter) throws {
        let base = try Target.random(spins: 3, seed: 9, orders: [1, 2, 3], scales: [0.4, 0.4, 0.4])
        let family = try TwoParameterTargetFamily(first: first, second: second, base: base, beta: 1.3,
                                                  counts: [3.0, 0, 5, 1, 2, 7, 0, 4])
        let λ = 0.6, μ = 0.7, h = 1e-6
        let (_, dλ, dμ) = try family.target(first: λ, second: μ)
        let numericλ = zip(try family.target(first: λ + h, second: μ).target.probabilities,
                           try family.target(first: λ - h, second: μ).target.probabilities).map { ($0 - $1) / (2 * h) }
        let numericμ = zip(try family.target(first: λ, second: μ + h).target.probabilities,
                           try family.target(first: λ, second: μ - h).target.probabilities).map { ($0 - $1) / (2 * h) }
        #expect(Vector.maxAbs(Vector.difference(dλ, numericλ)) < 1e-8)
        #expect(Vector.maxAbs(Vector.difference(dμ, numericμ)) < 1e-8)
        if first == .beta && second == .mix {
            let qβ = try base.atInverseTemperature(λ).probabilities
            let expected = qβ.map { (1 - μ) / 8 + μ * $0 }
            #expect(Vector.maxAbs(Vector.difference(try family.target(first: λ, second: μ).target.probabilities, expected)) < 1e-14)
        }
    }

    /// The learning system's ∂F/∂μ against central differences.
    @Test func twoParameterSystemSecondDerivative() throws {
        let base = try Target.random(spins: 3, seed: 9, orders: [1, 2, 3], scales: [0.4, 0.4, 0.4])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 2)
        let system = LearningTwoParameterSystem(family: try TwoParameterTargetFamily(first: .beta, second: .mix, base: base),
                                                objective: LearningObjective(model: model, target: base))
        var g = SeededGenerator(seed: 3)
        let theta = (0..<model.parameterCount).map { _ in 0.5 * g.nextNormal() }
        let h = 1e-5
        for (analytic, plus, minus) in [
            (try system.firstDerivative(theta, first: 1.2, second: 0.6), try system.residual(theta, first: 1.2 + h, second: 0.6),
             try system.residual(theta, first: 1.2 - h, second: 0.6)),
            (try system.secondDerivative(theta, first: 1.2, second: 0.6), try system.residual(theta, first: 1.2, second: 0.6 + h),
             try system.residual(theta, first: 1.2, second: 0.6 - h)),
        ] {
            let numeric = zip(plus, minus).map { ($0 - $1) / (2 * h) }
            #expect(Vector.norm(Vector.difference(analytic, numeric)) <= 1e-6 * max(Vector.norm(analytic), 1e-8))
        }
    }

    /// The W = 0 branch point followed in (β, mix): on the whole curve
    /// 1 + 2μc(β) = cosh² 0.5, i.e. μ = c*/c(β), to 1e-6; W stays 0 and the
    /// curve ends on the edges mix = 1 and mix = 0.2.
    @Test func branchPointCurveInBetaAndMixMatchesTheClosedForm() throws {
        let (base, objective) = try Self.frozenRBM()
        let family = try TwoParameterTargetFamily(first: .beta, second: .mix, base: base)
        let diagram = try bifurcationDiagram(ContinuationStartUnits(
            family: try TargetFamily(parameter: .beta, base: base), objective: objective, starts: [[0, 0, 0]],
            from: 0, to: 3, method: Self.method, tolerances: ClassificationTolerances(),
            curves: CurveSettings(family: family, from: 1.0, to: 0.2)))
        let curves = diagram.curves.filter { $0.kind == .branchPoint }
        #expect(curves.count == 1)
        let curve = try #require(curves.first)
        #expect(curve.points.count > 10)
        var worst = 0.0
        for point in curve.points {
            worst = max(worst, abs(point.second - Self.criticalCorrelation / Self.pairCorrelation(point.first)))
            #expect(Vector.maxAbs(Array(point.parameters[4...])) < 1e-10)
        }
        #expect(worst < 1e-6, "largest |μ - c*/c(β)| = \(worst)")
        let edges = curve.events.filter { $0.kind == "edge" }.map(\.second).sorted()
        #expect(edges == [0.2, 1.0])
    }
}
