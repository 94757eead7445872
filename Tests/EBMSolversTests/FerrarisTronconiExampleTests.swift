import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

/// SUNDIALS' `examples/kinsol/serial/kinFerTron_dns.c` and its shipped output
/// `kinFerTron_dns.out` (SUNDIALS 6.4.1), ported: the same system, bounds as
/// auxiliary unknowns with constraints, fnormtol = scsteptol = 1e-5, unit
/// scaling, the same two initial guesses and four strategies on one KINSOL
/// memory. The example uses KINSOL's difference-quotient Jacobian (its
/// `nfeD`); this port uses the analytic Jacobian, so `nfeD` is 0 here, while
/// nni, nfe and nje reproduce the shipped values.
@Suite("KINSOL example kinFerTron_dns")
struct FerrarisTronconiExampleTests {
    /// One block of the expected output.
    struct Expected {
        let lineSearch: Bool
        /// 1: exact Newton ("mset = 1"); 10 (KINSOL's default): modified Newton.
        let jacobianUpdateInterval: Int
        let x1: String
        let x2: String
        let nni: Int
        let nfe: Int
        let nje: Int
    }

    /// kinFerTron_dns.out, "Initial guess on lower bounds".
    static let fromLowerBounds: [Expected] = [
        Expected(lineSearch: false, jacobianUpdateInterval: 1, x1: "0.299449", x2: "2.83693", nni: 3, nfe: 4, nje: 3),
        Expected(lineSearch: true, jacobianUpdateInterval: 1, x1: "0.299449", x2: "2.83693", nni: 3, nfe: 4, nje: 3),
        Expected(lineSearch: false, jacobianUpdateInterval: 10, x1: "0.299449", x2: "2.83693", nni: 11, nfe: 12, nje: 2),
        Expected(lineSearch: true, jacobianUpdateInterval: 10, x1: "0.299449", x2: "2.83693", nni: 11, nfe: 12, nje: 2),
    ]

    /// kinFerTron_dns.out, "Initial guess in middle of feasible region".
    static let fromMiddle: [Expected] = [
        Expected(lineSearch: false, jacobianUpdateInterval: 1, x1: "0.5", x2: "3.14159", nni: 5, nfe: 6, nje: 5),
        Expected(lineSearch: true, jacobianUpdateInterval: 1, x1: "0.5", x2: "3.14159", nni: 5, nfe: 6, nje: 5),
        Expected(lineSearch: false, jacobianUpdateInterval: 10, x1: "0.500003", x2: "3.1416", nni: 12, nfe: 13, nje: 2),
        Expected(lineSearch: true, jacobianUpdateInterval: 10, x1: "0.500003", x2: "3.1416", nni: 12, nfe: 13, nje: 2),
    ]

    static func method(_ expected: Expected) throws -> KINSOLNewton {
        try KINSOLNewton(
            residualTolerance: 1e-5, stepTolerance: 1e-5, lineSearch: expected.lineSearch,
            jacobianUpdateInterval: expected.jacobianUpdateInterval)
    }

    @Test("the initial guesses print as in the example: 0.25 1.5 and 0.625 3.89159")
    func initialGuesses() {
        let lower = FerrarisTronconi.lowerBoundsGuess, middle = FerrarisTronconi.middleGuess
        #expect([Printed.g(lower[0]), Printed.g(lower[1])] == ["0.25", "1.5"])
        #expect([Printed.g(middle[0]), Printed.g(middle[1])] == ["0.625", "3.89159"])
        #expect(FerrarisTronconi.constraints.map(\.rawValue) == [0, 0, 1, -1, 1, -1])
    }

    @Test(
        "solutions to the printed digits and nni, nfe, nje as shipped",
        arguments: [
            (FerrarisTronconi.lowerBoundsGuess, FerrarisTronconiExampleTests.fromLowerBounds),
            (FerrarisTronconi.middleGuess, FerrarisTronconiExampleTests.fromMiddle),
        ])
    func shippedOutput(start: [Double], blocks: [Expected]) throws {
        for expected in blocks {
            let system = FerrarisTronconi()
            let solver = try KINSOLSolver(
                system: system, method: try Self.method(expected), constraints: FerrarisTronconi.constraints)
            let result = try solver.solve(from: start)
            let label = "line search \(expected.lineSearch), msbset \(expected.jacobianUpdateInterval)"
            #expect(result.status == .converged, "\(label)")
            #expect(result.residualMaxNorm <= 1e-5, "\(label)")
            #expect(Printed.g(result.solution[0]) == expected.x1, "\(label)")
            #expect(Printed.g(result.solution[1]) == expected.x2, "\(label)")
            let statistics = solver.statistics
            #expect(statistics.nonlinearIterations == expected.nni, "\(label)")
            #expect(statistics.functionEvaluations == expected.nfe, "\(label)")
            #expect(statistics.jacobianEvaluations == expected.nje, "\(label)")
            #expect(statistics.linearSolverFunctionEvaluations == 0, "analytic Jacobian: \(label)")
            // The wrapper's own counts agree with KINSOL's: the residual at the
            // solution came from the last evaluation, not an extra one.
            #expect(result.iterations == expected.nni)
            #expect(result.residualEvaluations == expected.nfe)
            #expect(system.residualCalls == expected.nfe)
            #expect(result.jacobianEvaluations == expected.nje)
            #expect(result.nullity == nil)
            // The bounds held at every iterate: the auxiliary unknowns keep their signs.
            let u = result.solution
            #expect(u[2] >= 0 && u[3] <= 0 && u[4] >= 0 && u[5] <= 0)
        }
    }

    @Test("one KINSOLSolver reused across starts, as the example reuses its KINSOL memory")
    func reuseAcrossStarts() throws {
        let exact = try KINSOLNewton(residualTolerance: 1e-5, stepTolerance: 1e-5, lineSearch: false)
        let solver = try KINSOLSolver(
            system: FerrarisTronconi(), method: exact, constraints: FerrarisTronconi.constraints)
        let first = try solver.solve(from: FerrarisTronconi.lowerBoundsGuess)
        let second = try solver.solve(from: FerrarisTronconi.middleGuess)
        let again = try solver.solve(from: FerrarisTronconi.lowerBoundsGuess)
        #expect(Printed.g(first.solution[0]) == "0.299449")
        #expect(Printed.g(second.solution[0]) == "0.5")
        #expect(again.solution == first.solution)
        #expect(again.iterations == 3 && again.residualEvaluations == 4 && again.jacobianEvaluations == 3)
    }

    @Test("a start outside the bounds is refused before KINSOL runs")
    func startOutsideConstraints() throws {
        var start = FerrarisTronconi.lowerBoundsGuess
        start[2] = -0.1
        #expect(throws: InvalidArgumentError.self) {
            try KINSOLNewton.standard.solve(FerrarisTronconi(), from: start, constraints: FerrarisTronconi.constraints)
        }
        #expect(throws: InvalidArgumentError.self) {
            try MinimumNormNewton.standard.solve(
                FerrarisTronconi(), from: start, constraints: FerrarisTronconi.constraints)
        }
    }
}
