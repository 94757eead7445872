import EBMSolvers
import Foundation
import Testing

/// A port of SUNDIALS 6.4.1's `examples/cvode/serial/cvRoberts_dns.c`: the
/// same equations, analytic dense Jacobian, tolerances, root functions and
/// output loop, checked against the output the example ships
/// (`cvRoberts_dns.out`), copied below.
@Suite("cvRoberts_dns port")
struct RobertsExampleTests {
    /// The solution lines of `cvRoberts_dns.out`, verbatim.
    static let expectedOutput = """
        At t = 2.6391e-01      y =  9.899653e-01    3.470564e-05    1.000000e-02
            rootsfound[] =   0   1
        At t = 4.0000e-01      y =  9.851641e-01    3.386242e-05    1.480205e-02
        At t = 4.0000e+00      y =  9.055097e-01    2.240338e-05    9.446793e-02
        At t = 4.0000e+01      y =  7.158017e-01    9.185037e-06    2.841892e-01
        At t = 4.0000e+02      y =  4.505360e-01    3.223271e-06    5.494608e-01
        At t = 4.0000e+03      y =  1.832299e-01    8.944378e-07    8.167692e-01
        At t = 4.0000e+04      y =  3.898902e-02    1.622006e-07    9.610108e-01
        At t = 4.0000e+05      y =  4.936383e-03    1.984224e-08    9.950636e-01
        At t = 4.0000e+06      y =  5.168093e-04    2.068293e-09    9.994832e-01
        At t = 2.0790e+07      y =  1.000000e-04    4.000397e-10    9.999000e-01
            rootsfound[] =  -1   0
        At t = 4.0000e+07      y =  5.202440e-05    2.081083e-10    9.999480e-01
        At t = 4.0000e+08      y =  5.201061e-06    2.080435e-11    9.999948e-01
        At t = 4.0000e+09      y =  5.258603e-07    2.103442e-12    9.999995e-01
        At t = 4.0000e+10      y =  6.934511e-08    2.773804e-13    9.999999e-01
        """

    /// The rows of the example's "Final Statistics" table
    /// (`CVodePrintAllStats`, reals as %.16g) that `SolverStatistics` carries.
    static let expectedStatistics = """
        Current time                 = 41154661313.59952
        Steps                        = 542
        Error test fails             = 22
        NLS step fails               = 0
        Initial step size            = 8.236259832589498e-14
        Last step size               = 4747036977.219155
        Current step size            = 4747036977.219155
        Last method order            = 4
        Current method order         = 4
        RHS fn evals                 = 754
        NLS iters                    = 751
        NLS fails                    = 3
        NLS iters per step           = 1.385608856088561
        LS setups                    = 107
        Jac fn evals                 = 11
        LS RHS fn evals              = 0
        LS iters                     = 0
        LS fails                     = 0
        Jac-times setups             = 0
        Jac-times evals              = 0
        LS iters per NLS iter        = 0
        Jac evals per NLS iter       = 0.01464713715046605
        Root fn evals                = 570
        """

    /// Runs the example's main loop, printing what it prints; with the
    /// example's `SUNLinSol_Dense` unless another solver is given.
    static func runExample(linearSolver: LinearSolverChoice = .cvodeDense) throws
        -> (lines: [String], integrator: CVodeIntegrator)
    {
        let integrator = try CVodeIntegrator(
            system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
            method: try RobertsKinetics.method(linearSolver: linearSolver), roots: RobertsKinetics.roots)
        var lines: [String] = []
        var outputTime = 0.4
        var outputs = 0
        while outputs < 12 {
            let result = try integrator.advance(to: outputTime)
            let y = integrator.state
            lines.append(String(format: "At t = %0.4e      y =%14.6e  %14.6e  %14.6e", result.time, y[0], y[1], y[2]))
            if case .root(_, let directions) = result {
                lines.append(String(format: "    rootsfound[] = %3d %3d", directions[0], directions[1]))
            } else {
                outputs += 1
                outputTime *= 10
            }
        }
        return (lines, integrator)
    }

    @Test("every printed time, state and root line matches cvRoberts_dns.out")
    func solutionMatchesShippedOutput() throws {
        let (lines, _) = try Self.runExample()
        let expected = Self.expectedOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == expected.count)
        for (line, expectedLine) in zip(lines, expected) {
            #expect(line == expectedLine)
        }
    }

    @Test("roots at t = 2.6391e-01 (y3 rises through 0.01) and 2.0790e+07 (y1 falls through 1e-4)")
    func rootsAndDirections() throws {
        let integrator = try CVodeIntegrator(
            system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
            method: try RobertsKinetics.method(), roots: RobertsKinetics.roots)
        let first = try integrator.advance(to: 0.4)
        guard case .root(let t1, let directions1) = first else {
            Issue.record("expected a root before t = 0.4, got \(first)")
            return
        }
        #expect(String(format: "%10.4e", t1) == "2.6391e-01")
        #expect(directions1 == [0, 1])
        #expect(abs(integrator.state[2] - 0.01) < 1e-8)

        var result = try integrator.advance(to: 0.4)
        var outputTime = 0.4
        while case .reached = result {
            outputTime *= 10
            result = try integrator.advance(to: outputTime)
        }
        guard case .root(let t2, let directions2) = result else {
            Issue.record("expected a second root, got \(result)")
            return
        }
        #expect(String(format: "%10.4e", t2) == "2.0790e+07")
        #expect(directions2 == [-1, 0])
        #expect(outputTime == 4.0e7)
    }

    @Test("final statistics reproduce the example's: 542 steps, 754 rhs, 11 Jacobians, 22 error test failures")
    func statisticsMatchShippedOutput() throws {
        let (_, integrator) = try Self.runExample()
        let s = integrator.statistics
        #expect(s.steps == 542)
        #expect(s.rhsEvaluations == 754)
        #expect(s.jacobianEvaluations == 11)
        #expect(s.errorTestFailures == 22)

        func real(_ x: Double) -> String { String(format: "%.16g", x) }
        let ours: [String: String] = [
            "Current time": real(s.currentTime),
            "Steps": "\(s.steps)",
            "Error test fails": "\(s.errorTestFailures)",
            "NLS step fails": "\(s.nonlinearSolverStepFailures)",
            "Initial step size": real(s.initialStepSize),
            "Last step size": real(s.lastStepSize),
            "Current step size": real(s.currentStepSize),
            "Last method order": "\(s.lastOrder)",
            "Current method order": "\(s.currentOrder)",
            "RHS fn evals": "\(s.rhsEvaluations)",
            "NLS iters": "\(s.nonlinearIterations)",
            "NLS fails": "\(s.nonlinearConvergenceFailures)",
            "NLS iters per step": real(Double(s.nonlinearIterations) / Double(s.steps)),
            "LS setups": "\(s.linearSolverSetups)",
            "Jac fn evals": "\(s.jacobianEvaluations)",
            "LS RHS fn evals": "\(s.linearSolverRHSEvaluations)",
            "LS iters": "\(s.linearIterations)",
            "LS fails": "\(s.linearConvergenceFailures)",
            "Jac-times setups": "\(s.jacobianVectorSetups)",
            "Jac-times evals": "\(s.jacobianVectorEvaluations)",
            "LS iters per NLS iter": real(Double(s.linearIterations) / Double(s.nonlinearIterations)),
            "Jac evals per NLS iter": real(Double(s.jacobianEvaluations) / Double(s.nonlinearIterations)),
            "Root fn evals": "\(s.rootEvaluations)",
        ]
        for row in Self.expectedStatistics.split(separator: "\n") {
            let parts = row.split(separator: "=", maxSplits: 1)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            #expect(ours[name] == value, "\(name)")
        }
    }

    /// Robertson's Jacobian is not symmetric, so the LAPACK solver of
    /// `.dense` factors every Newton matrix by LU (`dgetrf`), whose blocked
    /// rounding differs from CVODE's unblocked LU: the steps differ, the
    /// answer agrees within the example's tolerances.
    @Test(
        "the final state passes the example's check_ans against its reference (WRMS error < 1)",
        arguments: [LinearSolverChoice.cvodeDense, .dense])
    func finalStateWithinExampleReference(_ linearSolver: LinearSolverChoice) throws {
        let (_, integrator) = try Self.runExample(linearSolver: linearSolver)
        let reference = [5.2083495894337328e-08, 2.0833399429795671e-13, 9.9999994791629776e-01]
        let atol = [1.0e-8, 1.0e-14, 1.0e-6]
        let y = integrator.state
        var sum = 0.0
        for i in 0..<3 {
            let weight = 1 / (1.0e-4 * abs(reference[i]) + 10 * atol[i])
            sum += pow((y[i] - reference[i]) * weight, 2)
        }
        #expect((sum / 3).squareRoot() < 1)
        if linearSolver == .dense {
            // The first Newton matrices, at γ ~ 1e-13, differ from I by less
            // than the symmetry tolerance and are factored by Cholesky; the
            // rest, clearly not symmetric, by LU.
            let counts = try #require(integrator.newtonMatrixFactorizations)
            #expect(counts.values.reduce(0, +) == integrator.statistics.linearSolverSetups)
            #expect(counts[.lu, default: 0] > integrator.statistics.linearSolverSetups * 9 / 10)
            #expect(counts[.bunchKaufman] == nil)
        }
    }

    @Test("with the LAPACK solver (LU here) the printed states agree with cvRoberts_dns.out within its tolerances")
    func lapackSolverAgreesWithinTolerance() throws {
        let (lines, _) = try Self.runExample(linearSolver: .dense)
        let expected = Self.expectedOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == expected.count)
        let atol = [1.0e-8, 1.0e-14, 1.0e-6]
        func numbers(_ line: String) -> [Double] {
            line.split(whereSeparator: { $0 == " " || $0 == "=" }).compactMap { Double($0) }
        }
        for (line, expectedLine) in zip(lines, expected) where line.hasPrefix("At t") {
            let ours = numbers(line), theirs = numbers(expectedLine)
            #expect(ours[0] == theirs[0], "output times: \(line)")
            for i in 0..<3 {
                // Global errors of a few local tolerances: 10 (rtol |y| + atol).
                let bound = 10 * (1.0e-4 * abs(theirs[1 + i]) + atol[i])
                #expect(abs(ours[1 + i] - theirs[1 + i]) <= bound, "\(line) against \(expectedLine)")
            }
        }
    }
}
