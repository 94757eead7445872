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

    /// ∂F/∂λ against central differences in λ, for every family.
    @Test(arguments: [TargetFamily.Parameter.beta, .mix, .coupling(mask: 3), .pseudocount])
    func parameterDerivativeMatchesDifferences(_ parameter: TargetFamily.Parameter) throws {
        let base = try Target.random(spins: 3, seed: 9, orders: [1, 2, 3], scales: [0.4, 0.4, 0.4])
        let counts = [3.0, 0, 5, 1, 2, 7, 0, 4]
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 2)
        let objective = LearningObjective(model: model, target: base)
        let family = try TargetFamily(parameter: parameter, base: base, counts: counts)
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
}
