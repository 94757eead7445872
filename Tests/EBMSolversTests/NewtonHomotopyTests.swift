import EBMLinearAlgebra
@testable import EBMSolvers
import Foundation
import Testing

@Suite("Newton homotopy")
struct NewtonHomotopyTests {
    private func method(maxPoints: Int = 2000) throws -> PseudoArclength {
        try PseudoArclength(step: StepControl(initial: 0.05, minimum: 1e-6, maximum: 0.2), maxPoints: maxPoints)
    }

    @Test("H(x, λ) = F(x) - (1 - λ) F(x₀): residual, derivatives, and x₀ solves it at λ = 0")
    func homotopySystem() throws {
        let system = CircleHyperbola()
        let h = try NewtonHomotopy(system: system, start: [2, -1])
        #expect(h.startResidual == [1, -3])
        #expect(try h.residual([2, -1], parameter: 0) == [0, 0])
        #expect(try h.residual([0.5, 3], parameter: 1) == system.residual([0.5, 3]))
        #expect(try h.parameterDerivative([7, 7], parameter: 0.3) == [1, -3])
        #expect(try h.jacobian([0.5, 3], parameter: 0.3) == system.jacobian([0.5, 3]))
        #expect(throws: InvalidArgumentError.self) { try NewtonHomotopy(system: system, start: [1]) }
    }

    @Test("x² + y² = 4, xy = 1 from (2, -1): the path is one loop through all four roots, past its folds")
    func fourRoots() throws {
        // In p = x + y, q = x - y the path maps onto the segment from (p², q²) =
        // (1, 9) (λ = 0) to (6, 2) (λ = 1), extended to the axes at λ = -0.2 and
        // λ = 9/7: a closed loop that turns in λ on both diagonals.
        let result = try homotopyRoots(CircleHyperbola(), from: [2, -1], method: method(), pathLengthLimit: 40)
        #expect(result.roots.count == 4)
        for root in CircleHyperbola.roots {
            let found = result.roots.contains { Vector.maxAbs(Vector.difference($0, root)) < 1e-10 }
            #expect(found, "root \(root) not found")
        }
        for crossing in result.crossings where crossing.converged {
            #expect(crossing.residualNorm <= 1e-12)
            // The located path point is already a root to the corrector's tolerance.
            #expect(Vector.maxAbs(Vector.difference(crossing.pathPoint, crossing.root)) < 1e-8)
        }
        // The first root lies before any fold, later ones past one or more.
        let firstFour = Array(result.crossings.prefix(4))
        #expect(firstFour.map(\.foldsBefore) == [0, 1, 2, 3])
        #expect(firstFour.map { $0.parameterSlope > 0 } == [true, false, true, false])
        let folds = result.folds
        #expect(folds.count >= 3)
        for fold in folds {
            #expect(abs(fold.parameter - 9.0 / 7.0) < 1e-8 || abs(fold.parameter + 0.2) < 1e-8)
            #expect(abs(abs(fold.x[0]) - abs(fold.x[1])) < 1e-6)  // on a diagonal, where det F_x = 0
        }
        #expect(result.status == .reachedArclengthLimit)
        #expect(result.path.points.allSatisfy { (-0.2 - 1e-9)...(9.0 / 7.0 + 1e-9) ~= $0.parameter })
    }

    @Test("Options are checked")
    func invalidOptions() throws {
        let m = try method()
        #expect(throws: InvalidArgumentError.self) {
            try homotopyRoots(CircleHyperbola(), from: [2, -1], method: m, parameterWindow: 0.5...5)
        }
        #expect(throws: InvalidArgumentError.self) {
            try homotopyRoots(CircleHyperbola(), from: [2, -1], method: m, refinementTolerance: 0)
        }
        #expect(throws: InvalidArgumentError.self) {
            try homotopyRoots(CircleHyperbola(), from: [2, -1], method: m, pathLengthLimit: -1)
        }
    }
}
