import EBMLinearAlgebra
@testable import EBMSolvers
import Foundation
import Testing

private func method(initial: Double = 0.05, minimum: Double = 1e-6, maximum: Double = 0.2, maxPoints: Int = 500,
                    predictor: PseudoArclength.Predictor = .tangent) throws -> PseudoArclength {
    try PseudoArclength(step: StepControl(initial: initial, minimum: minimum, maximum: maximum),
                        maxPoints: maxPoints, predictor: predictor)
}

@Suite("Pseudo-arclength continuation")
struct ContinuationTests {
    @Test("λ - x² from (1, 1) downwards: fold at (0, 0), then the x < 0 side, stability changes there")
    func foldNormalForm() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1.0], parameter: 1,
                                              parameterRange: -1...2, direction: .decreasing)
        let branch = try continuation(problem, method())
        let folds = branch.specialPoints(.fold)
        #expect(folds.count == 1)
        let fold = try #require(folds.first)
        #expect(abs(fold.parameter) < 1e-8)
        #expect(abs(fold.x[0]) < 1e-6)
        #expect(fold.isLocated)
        #expect(fold.arclengthInterval.contains(fold.arclength))
        #expect(fold.stabilityBefore == .negativeEigenvalues(1))
        #expect(fold.stabilityAfter == .negativeEigenvalues(0))

        let changes = branch.specialPoints(.stabilityChange)
        #expect(changes.count == 1)
        #expect(abs(try #require(changes.first).parameter) < 1e-8)
        #expect(branch.specialPoints(.branchPoint).isEmpty)

        // The branch goes on along x = -√λ to the upper bound, landing on it.
        let last = try #require(branch.points.last)
        #expect(branch.status == .reachedBound)
        #expect(last.parameter == 2)
        #expect(abs(last.x[0] + 2.0.squareRoot()) < 1e-9)
        #expect(last.stability == .negativeEigenvalues(0))
        #expect(branch.specialPoints(.boundary).count == 1)
        for point in branch.points { #expect(abs(point.parameter - point.x[0] * point.x[0]) < 1e-10) }
        // Arclength increases along the branch.
        for (a, b) in zip(branch.points, branch.points.dropFirst()) { #expect(b.arclength > a.arclength) }
    }

    @Test("The secant predictor finds the same fold")
    func secantPredictor() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1.2], parameter: 1,
                                              parameterRange: -1...2, direction: .decreasing)
        let branch = try continuation(problem, method(predictor: .secant))
        let fold = try #require(branch.specialPoints(.fold).first)
        #expect(abs(fold.parameter) < 1e-8)
        #expect(branch.status == .reachedBound)
        // The start x = 1.2 was corrected onto x² = λ = 1 first.
        #expect(abs(branch.points[0].x[0] - 1) < 1e-10)
    }

    @Test("λx - x³ from (0, -1): branch point at λ = 0, both halves of x² = λ by switching")
    func pitchfork() throws {
        let problem = try ContinuationProblem(system: PitchforkNormalForm(), start: [0], parameter: -1,
                                              parameterRange: -1...1, direction: .increasing)
        let trivial = try continuation(problem, method(initial: 0.1, maximum: 0.3))
        let branchPoints = trivial.specialPoints(.branchPoint)
        #expect(branchPoints.count == 1)
        let bp = try #require(branchPoints.first)
        #expect(abs(bp.parameter) < 1e-8)
        #expect(abs(bp.x[0]) < 1e-12)
        #expect(abs(abs(try #require(bp.nullVector)[0]) - 1) < 1e-12)
        #expect(bp.stabilityBefore == .negativeEigenvalues(1) && bp.stabilityAfter == .negativeEigenvalues(0))
        #expect(trivial.specialPoints(.stabilityChange).count == 1)
        #expect(trivial.specialPoints(.fold).isEmpty)
        // The trivial branch goes on past λ = 0 to the bound.
        #expect(trivial.status == .reachedBound)
        #expect(trivial.points.last?.parameter == 1)
        #expect(trivial.points.allSatisfy { $0.x[0] == 0 })

        for side in BranchSide.allCases {
            let switched = try switchBranch(at: bp, of: trivial, side: side)
            let branch = try continuation(switched, method(initial: 0.1, maximum: 0.3))
            #expect(branch.status == .reachedBound)
            #expect(branch.points.count > 3)
            for point in branch.points {
                #expect(abs(point.x[0] * point.x[0] - point.parameter) < 1e-8)
                #expect(Double(side.rawValue) * point.x[0] > 0)
                #expect(point.stability == .negativeEigenvalues(1))
            }
            let last = try #require(branch.points.last)
            #expect(last.parameter == 1)
            #expect(abs(abs(last.x[0]) - 1) < 1e-10)
            #expect(branch.specialPoints(.branchPoint).isEmpty)
        }
    }

    @Test("A point landing exactly on the branch point: the tangent carries on, the point is reported once")
    func pointOnBranchPoint() throws {
        // Steps of 0.5 from λ = -1 land on λ = 0 exactly, where F_x = F_λ = 0
        // and the bordered tangent system is exactly singular.
        let step = try StepControl(initial: 0.5, minimum: 1e-6, maximum: 0.5, growthFactor: 1)
        let problem = try ContinuationProblem(system: PitchforkNormalForm(), start: [0], parameter: -1,
                                              parameterRange: -1...1)
        let branch = try continuation(problem, PseudoArclength(step: step))
        #expect(branch.parameters == [-1, -0.5, 0, 0.5, 1])
        #expect(branch.points.allSatisfy { $0.tangent == [0, 1] })
        #expect(branch.statistics.rejectedSteps == 0)
        let bp = try #require(branch.specialPoints(.branchPoint).first)
        #expect(branch.specialPoints(.branchPoint).count == 1)
        #expect(bp.parameter == 0 && bp.arclength == 1)
        #expect(try continuation(try switchBranch(at: bp, of: branch), PseudoArclength(step: step)).status == .reachedBound)
    }

    @Test("Branches crossing obliquely: x = sin λ meets x = -2λ; switching follows the line both ways")
    func obliqueBranchPoint() throws {
        let problem = try ContinuationProblem(system: CrossingCurves(), start: [sin(-1.0)], parameter: -1,
                                              parameterRange: -1...1)
        let first = try continuation(problem, method(initial: 0.1, maximum: 0.3))
        let bp = try #require(first.specialPoints(.branchPoint).first)
        #expect(first.specialPoints(.branchPoint).count == 1)
        // Near a branch point the residual |F| ≤ 1e-10 holds within ~√1e-10 of
        // it on both branches, so a generic branch point is located only to
        // about 1e-5 (the pitchfork's exact trivial branch is the exception).
        #expect(abs(bp.parameter) < 1e-4 && abs(bp.x[0]) < 1e-4)
        // The branch's own tangent, not the other one: (1, 1)/√2.
        #expect(abs(bp.tangent[0] - 0.5.squareRoot()) < 1e-2 && abs(bp.tangent[1] - 0.5.squareRoot()) < 1e-2)
        #expect(first.points.allSatisfy { abs($0.x[0] - sin($0.parameter)) < 1e-10 })
        #expect(first.points.last?.parameter == 1)

        var ends: [Double] = []
        for side in BranchSide.allCases {
            let branch = try continuation(try switchBranch(at: bp, of: first, side: side), method())
            #expect(branch.status == .reachedBound)
            for point in branch.points { #expect(abs(point.x[0] + 2 * point.parameter) < 1e-9) }
            ends.append(try #require(branch.points.last).parameter)
        }
        // ⟨z - z_bp, τ⟩ > 0 with τ ∝ (1, -1) lies at λ < 0.
        #expect(ends == [-1, 1])
    }

    @Test("A non-symmetric transcritical point: det F_x changes sign, switching follows x = λ both ways")
    func transcritical() throws {
        let problem = try ContinuationProblem(system: TranscriticalPair(), start: [0, 0], parameter: -1,
                                              parameterRange: -1...1, direction: .increasing)
        let trivial = try continuation(problem, method(initial: 0.1, maximum: 0.3))
        let bp = try #require(trivial.specialPoints(.branchPoint).first)
        #expect(trivial.specialPoints(.branchPoint).count == 1)
        #expect(abs(bp.parameter) < 1e-8)
        #expect(bp.stabilityBefore == .determinantSign(-1) && bp.stabilityAfter == .determinantSign(1))
        // ker F_x at the origin is (2, 1)/√5.
        let φ = try #require(bp.nullVector)
        #expect(abs(φ[0] - 2 / 5.0.squareRoot()) < 1e-10 && abs(φ[1] - 1 / 5.0.squareRoot()) < 1e-10)
        #expect(trivial.specialPoints(.stabilityChange).isEmpty)  // not reported for non-symmetric systems

        var ends: [Double] = []
        for side in BranchSide.allCases {
            let branch = try continuation(try switchBranch(at: bp, of: trivial, side: side), method())
            #expect(branch.status == .reachedBound)
            for point in branch.points {
                #expect(abs(point.x[0] - point.parameter) < 1e-9)
                #expect(abs(point.x[1] - point.parameter / 2) < 1e-9)
            }
            ends.append(try #require(branch.points.last).parameter)
        }
        #expect(Set(ends) == [-1, 1])
    }

    /// λ* of the N-point scheme.
    private func bratuFold(interiorPoints: Int) throws -> Double {
        let system = BratuProblem(interiorPoints: interiorPoints)
        let problem = try ContinuationProblem(system: system, start: [Double](repeating: 0, count: interiorPoints),
                                              parameter: 0, parameterRange: 0...4, direction: .increasing)
        let branch = try continuation(problem, method(initial: 0.1, maximum: 1, maxPoints: 60))
        let folds = branch.specialPoints(.fold)
        #expect(folds.count == 1)
        let fold = try #require(folds.first)
        #expect(fold.isLocated)
        #expect(fold.stabilityBefore == .negativeEigenvalues(interiorPoints))
        #expect(fold.stabilityAfter == .negativeEigenvalues(interiorPoints - 1))
        return fold.parameter
    }

    @Test("Bratu: the lower branch's fold converges to λ* = 3.513830719 at second order")
    func bratuFold() throws {
        let exact = 3.513830719
        let errors = try [25, 50, 100].map { abs(try bratuFold(interiorPoints: $0) - exact) }
        #expect(errors[2] < 1e-3)
        #expect(errors[0] > errors[1] && errors[1] > errors[2])
        let ratios = [errors[0] / errors[1], errors[1] / errors[2]]
        print("Bratu fold errors N = 25, 50, 100:", errors, "ratios", ratios)
        for ratio in ratios { #expect(ratio > 3.5 && ratio < 4.5) }
    }
}
