import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

@Suite("Continuation: options, failures and statuses")
struct ContinuationFailureTests {
    private func method(initial: Double = 0.05, minimum: Double = 1e-6, maximum: Double = 0.2,
                        maxPoints: Int = 500) throws -> PseudoArclength {
        try PseudoArclength(step: StepControl(initial: initial, minimum: minimum, maximum: maximum), maxPoints: maxPoints)
    }

    private func refused(_ argument: String, _ build: () throws -> Void) {
        #expect {
            try build()
        } throws: { error in
            (error as? InvalidArgumentError)?.argument == argument
        }
    }

    @Test("Step control, method and problem refuse invalid values when built")
    func invalidOptions() throws {
        refused("StepControl.minimum") { _ = try StepControl(initial: 0.1, minimum: 0, maximum: 1) }
        refused("StepControl.initial") { _ = try StepControl(initial: 2, minimum: 0.1, maximum: 1) }
        refused("StepControl.initial") { _ = try StepControl(initial: 0.01, minimum: 0.1, maximum: 1) }
        refused("StepControl.maximum") { _ = try StepControl(initial: 0.1, minimum: 0.01, maximum: .infinity) }
        refused("StepControl.growthFactor") { _ = try StepControl(initial: 0.1, minimum: 0.01, maximum: 1, growthFactor: 0.9) }
        refused("StepControl.shrinkFactor") { _ = try StepControl(initial: 0.1, minimum: 0.01, maximum: 1, shrinkFactor: 1) }
        refused("StepControl.maximumTurningAngle") {
            _ = try StepControl(initial: 0.1, minimum: 0.01, maximum: 1, maximumTurningAngle: 0)
        }
        let step = try StepControl(initial: 0.1, minimum: 0.01, maximum: 1)
        refused("PseudoArclength.maxPoints") { _ = try PseudoArclength(step: step, maxPoints: 1) }
        refused("PseudoArclength.correctorTolerance") { _ = try PseudoArclength(step: step, correctorTolerance: -1) }
        refused("PseudoArclength.correctorTolerance") { _ = try PseudoArclength(step: step, correctorTolerance: .nan) }
        refused("PseudoArclength.maxCorrectorIterations") { _ = try PseudoArclength(step: step, maxCorrectorIterations: 0) }
        refused("PseudoArclength.locationTolerance") { _ = try PseudoArclength(step: step, locationTolerance: 0) }

        let system = FoldNormalForm()
        refused("ContinuationProblem.start") {
            _ = try ContinuationProblem(system: system, start: [1, 2], parameter: 1, parameterRange: 0...2)
        }
        refused("ContinuationProblem.start") {
            _ = try ContinuationProblem(system: system, start: [.nan], parameter: 1, parameterRange: 0...2)
        }
        refused("ContinuationProblem.parameter") {
            _ = try ContinuationProblem(system: system, start: [1], parameter: 3, parameterRange: 0...2)
        }
        refused("ContinuationProblem.parameterRange") {
            _ = try ContinuationProblem(system: system, start: [1], parameter: 1, parameterRange: 1...1)
        }
        refused("ContinuationProblem.direction") {
            _ = try ContinuationProblem(system: system, start: [1], parameter: 1, parameterRange: 0...2,
                                        direction: .along([1]))
        }
        refused("ContinuationProblem.direction") {
            _ = try ContinuationProblem(system: system, start: [1], parameter: 1, parameterRange: 0...2,
                                        direction: .along([0, 0]))
        }
        refused("ContinuationProblem.arclengthLimit") {
            _ = try ContinuationProblem(system: system, start: [1], parameter: 1, parameterRange: 0...2,
                                        arclengthLimit: 0)
        }
    }

    @Test("A start that Newton at fixed λ cannot correct is a typed error")
    func startDoesNotConverge() throws {
        // λ - x² = 0 has no real solution at λ = -1.
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [0.5], parameter: -1,
                                              parameterRange: -2...2)
        #expect(throws: ContinuationError.startingPointDidNotConverge(residualNorm: 1.25)) {
            try continuation(problem, method())
        }
    }

    @Test("A singular bordered matrix fails the corrector: the step shrinks and the branch goes on")
    func correctorFailureShrinksStep() throws {
        // x = λ²; F_x and F_λ are reported as zero wherever the predictor is
        // farther than |F| = 0.01 from the curve (|F| = h² t_λ² there), so
        // long steps break down and short ones succeed.
        let system = SingularWhere { x, λ in abs(x - λ * λ) > 0.01 }
        let problem = try ContinuationProblem(system: system, start: [0], parameter: 0, parameterRange: 0...2)
        let branch = try continuation(problem, method(initial: 0.5, maximum: 1))
        #expect(branch.status == .reachedBound)
        #expect(branch.statistics.rejectedSteps > 0)
        #expect(branch.points.last?.parameter == 2)
        for point in branch.points { #expect(abs(point.x[0] - point.parameter * point.parameter) < 1e-10) }
    }

    @Test("A corrector failing at every step size ends the branch with .stepTooSmall")
    func stepTooSmall() throws {
        // The Jacobian is singular for λ ≥ 1: no step can enter that region.
        let system = SingularWhere { _, λ in λ >= 1 }
        let problem = try ContinuationProblem(system: system, start: [0], parameter: 0, parameterRange: 0...2)
        let branch = try continuation(problem, method(initial: 0.1, minimum: 1e-3, maximum: 0.3))
        #expect(branch.status == .stepTooSmall)
        let last = try #require(branch.points.last)
        #expect(last.parameter < 1 && last.parameter > 1 - 1e-2)
        #expect(branch.statistics.rejectedSteps > 0)
    }

    @Test("maxPoints and the arclength limit end a branch with their status")
    func limits() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1], parameter: 1,
                                              parameterRange: -1...100, direction: .increasing)
        let short = try continuation(problem, method(maxPoints: 7))
        #expect(short.status == .maxPoints)
        #expect(short.points.count == 7)

        let limited = try ContinuationProblem(system: FoldNormalForm(), start: [1], parameter: 1,
                                              parameterRange: -1...100, direction: .increasing, arclengthLimit: 1.3)
        let branch = try continuation(limited, method())
        #expect(branch.status == .reachedArclengthLimit)
        #expect(abs(try #require(branch.points.last).arclength - 1.3) < 1e-12)
    }

    @Test("A start on a bound heading out of the range ends at once")
    func startOnBound() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1], parameter: 1,
                                              parameterRange: 0...1, direction: .increasing)
        let branch = try continuation(problem, method())
        #expect(branch.status == .reachedBound)
        #expect(branch.points.count == 1)
        #expect(branch.specialPoints(.boundary).count == 1)
    }

    @Test("Only a branch point can be switched at")
    func switchingNeedsABranchPoint() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1], parameter: 1,
                                              parameterRange: -1...2, direction: .decreasing)
        let branch = try continuation(problem, method())
        let fold = try #require(branch.specialPoints(.fold).first)
        #expect(throws: ContinuationError.notABranchPoint(.fold)) { try switchBranch(at: fold, of: branch) }
    }

    @Test("LU: determinant sign and solve (dgetrf, dgetrs)")
    func luFactorization() throws {
        let a = Matrix([[0, 2, 1], [1, 1, 0], [3, 0, 1]])  // det = -5
        let lu = try LAPACK.luFactorization(a)
        #expect(lu.determinantSign == -1)
        #expect(abs(lu.logAbsoluteDeterminant - log(5)) < 1e-14)
        let x = try lu.solve([3, 2, 4])
        #expect(Vector.maxAbs(Vector.difference(x, [1, 1, 1])) < 1e-14)
        #expect(try LAPACK.determinantSign(Matrix([[1, 2], [2, 4]])) == 0)
        #expect(try LAPACK.determinantSign(Matrix.identity(4)) == 1)
    }
}
