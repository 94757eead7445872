import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

/// y' = A y with A symmetric negative definite, eigenvalues -1e-2, -1, -1e3,
/// against y(t) = exp(At) y₀ from A's eigendecomposition.
@Suite("stiff linear system y' = A y")
struct LinearSystemTests {
    static let initialState = [1.0, -0.5, 0.25]
    static let outputTimes = [1.0e-3, 1.0e-2, 0.1, 1.0, 10.0, 100.0]

    enum Configuration: String, CaseIterable, CustomTestStringConvertible {
        case denseAnalyticJacobian, cvodeDenseAnalyticJacobian, gmresWithJacobianVectorProduct,
            gmresWithDifferenceQuotients
        var testDescription: String { rawValue }

        var linearSolver: LinearSolverChoice {
            switch self {
            case .denseAnalyticJacobian: return .dense
            case .cvodeDenseAnalyticJacobian: return .cvodeDense
            case .gmresWithJacobianVectorProduct, .gmresWithDifferenceQuotients: return .gmres(maxKrylovDimension: 3)
            }
        }
        var providesJacobianVectorProduct: Bool { self == .gmresWithJacobianVectorProduct }
    }

    static func integrator(_ configuration: Configuration) throws -> (CVodeIntegrator, LinearSystem) {
        let system = LinearSystem(
            matrix: LinearSystem.stiffMatrix,
            jacobianVectorProduct: configuration.providesJacobianVectorProduct)
        let method = try BDF(
            relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12), maxSteps: 100_000,
            linearSolver: configuration.linearSolver)
        let integrator = try CVodeIntegrator(
            system: system, initialTime: 0, initialState: initialState, method: method)
        return (integrator, system)
    }

    @Test("the test matrix is symmetric with the intended spectrum")
    func matrixSpectrum() throws {
        let a = LinearSystem.stiffMatrix
        #expect(a.asymmetry == 0)
        let values = try LAPACK.symmetricEigenvalues(a)
        for (value, intended) in zip(values, [-1.0e3, -1.0, -1.0e-2]) {
            #expect(abs(value - intended) <= 1e-12 * 1e3)  // backward error ~ ε‖A‖
        }
    }

    @Test(
        "values at t = 1e-3 … 100 agree with exp(At) y0 to 1e-8 (rtol 1e-10)",
        arguments: Configuration.allCases)
    func valuesMatchExactSolution(_ configuration: Configuration) throws {
        let (integrator, _) = try Self.integrator(configuration)
        for t in Self.outputTimes {
            let result = try integrator.advance(to: t)
            #expect(result == .reached(t))
            let exact = try LinearSystem.exactSolution(LinearSystem.stiffMatrix, Self.initialState, at: t)
            let error = Vector.maxAbs(Vector.difference(integrator.state, exact))
            #expect(error < 1e-8, "t = \(t): max error \(error)")
        }
        let statistics = integrator.statistics
        switch configuration {
        case .denseAnalyticJacobian, .cvodeDenseAnalyticJacobian:
            #expect(statistics.jacobianEvaluations > 0)
            #expect(statistics.linearSolverRHSEvaluations == 0)
            #expect(statistics.linearIterations == 0)
            if configuration == .denseAnalyticJacobian {
                // I - γA is symmetric positive definite for A negative definite: Cholesky every time.
                #expect(integrator.newtonMatrixFactorizations == [.cholesky: statistics.linearSolverSetups])
            } else {
                #expect(integrator.newtonMatrixFactorizations == nil)
            }
        case .gmresWithJacobianVectorProduct:
            #expect(statistics.jacobianEvaluations == 0)
            #expect(statistics.jacobianVectorEvaluations > 0)
            #expect(statistics.linearSolverRHSEvaluations == 0)
            #expect(statistics.linearIterations > 0)
        case .gmresWithDifferenceQuotients:
            #expect(statistics.jacobianVectorEvaluations > 0)
            // One right-hand side per difference-quotient product.
            #expect(statistics.linearSolverRHSEvaluations == statistics.jacobianVectorEvaluations)
            #expect(
                statistics.totalRHSEvaluations
                    == statistics.rhsEvaluations + statistics.linearSolverRHSEvaluations)
        }
    }

    @Test("the LAPACK solver and CVODE's dense LU agree on y(100) to within the tolerance")
    func lapackAndCVODEDenseAgree() throws {
        var finals: [[Double]] = []
        for configuration in [Configuration.denseAnalyticJacobian, .cvodeDenseAnalyticJacobian] {
            let (integrator, _) = try Self.integrator(configuration)
            try integrator.advance(to: 100)
            finals.append(integrator.state)
        }
        #expect(Vector.maxAbs(Vector.difference(finals[0], finals[1])) < 1e-9)
    }

    @Test("difference-quotient Jacobians are not symmetric: the LAPACK solver factors them by LU, still exact")
    func differenceQuotientsFactoredByLU() throws {
        let system = LinearSystem(matrix: LinearSystem.stiffMatrix, jacobianVectorProduct: false)
        let method = try BDF(
            relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12), maxSteps: 100_000,
            linearSolver: .dense, jacobian: .differenceQuotient)
        let integrator = try CVodeIntegrator(system: system, initialTime: 0, initialState: Self.initialState,
                                             method: method)
        try integrator.advance(to: 10)
        let exact = try LinearSystem.exactSolution(LinearSystem.stiffMatrix, Self.initialState, at: 10)
        #expect(Vector.maxAbs(Vector.difference(integrator.state, exact)) < 1e-8)
        let counts = try #require(integrator.newtonMatrixFactorizations)
        #expect(counts[.lu, default: 0] > 0)
        #expect(counts[.lu, default: 0] + counts[.cholesky, default: 0] == integrator.statistics.linearSolverSetups)
    }

    /// A with eigenvalues (0.5, -1, -10): y grows like e^{t/2}. A first step
    /// of 4 makes γ = 4 and I - γA indefinite (eigenvalue 1 - 2 = -1), which
    /// Cholesky refuses and Bunch–Kaufman factors; the error test then
    /// shrinks the step and later matrices are positive definite again.
    @Test("an indefinite Newton matrix is factored by Bunch–Kaufman; y(5) still matches exp(At) y0")
    func indefiniteNewtonMatrix() throws {
        let a = LinearSystem.reflected(eigenvalues: [0.5, -1, -10])
        let system = LinearSystem(matrix: a, jacobianVectorProduct: false)
        let method = try BDF(
            relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), maxSteps: 100_000,
            linearSolver: .dense, initialStep: 4)
        let integrator = try CVodeIntegrator(system: system, initialTime: 0, initialState: Self.initialState,
                                             method: method)
        try integrator.advance(to: 5)
        let exact = try LinearSystem.exactSolution(a, Self.initialState, at: 5)
        let error = Vector.maxAbs(Vector.difference(integrator.state, exact)) / Vector.maxAbs(exact)
        #expect(error < 1e-6, "relative error \(error)")
        let counts = try #require(integrator.newtonMatrixFactorizations)
        #expect(counts[.bunchKaufman, default: 0] >= 1)
        #expect(counts[.lu] == nil)
        #expect(counts[.cholesky, default: 0] + counts[.bunchKaufman, default: 0]
                    == integrator.statistics.linearSolverSetups)
    }

    @Test("J v setup runs once per linear solve, before the products")
    func jacobianVectorSetupCalls() throws {
        let (integrator, system) = try Self.integrator(.gmresWithJacobianVectorProduct)
        try integrator.advance(to: 1)
        let statistics = integrator.statistics
        #expect(system.preparations == statistics.jacobianVectorSetups)
        #expect(system.preparations > 0)
    }

    @Test(
        "dense output inside the last step: k = 0 matches exp(At) y0, k = 1 matches A y",
        arguments: Configuration.allCases)
    func denseOutputInsideLastStep(_ configuration: Configuration) throws {
        let (integrator, _) = try Self.integrator(configuration)
        try integrator.advance(to: 1)
        let statistics = integrator.statistics
        let end = statistics.currentTime
        let start = end - statistics.lastStepSize
        #expect(end >= 1 && start < end)
        let a = LinearSystem.stiffMatrix
        for fraction in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let t = start + fraction * (end - start)
            let exact = try LinearSystem.exactSolution(a, Self.initialState, at: t)
            let value = try integrator.denseOutput(at: t)
            #expect(Vector.maxAbs(Vector.difference(value, exact)) < 1e-8, "y at t = \(t)")

            let slope = try integrator.denseOutput(at: t, derivative: 1)
            let exactSlope = BLAS.multiply(a, exact)
            let slopeError = Vector.maxAbs(Vector.difference(slope, exactSlope)) / Vector.maxAbs(exactSlope)
            #expect(slopeError < 1e-7, "y' at t = \(t): relative error \(slopeError)")
        }
        // At the output time itself dense output equals the returned state.
        #expect(try integrator.denseOutput(at: 1) == integrator.state)
    }

    @Test("one-step mode: increasing step times, ending exactly at the stop time")
    func oneStepMode() throws {
        let (integrator, _) = try Self.integrator(.denseAnalyticJacobian)
        try integrator.setStopTime(0.5)
        var previous = 0.0
        var steps = 0
        while true {
            let result = try integrator.step(toward: 1)
            steps += 1
            #expect(result.time > previous)
            previous = result.time
            if case .stopTime(let t) = result {
                #expect(t == 0.5)
                break
            }
        }
        #expect(steps == integrator.statistics.steps)
        let exact = try LinearSystem.exactSolution(LinearSystem.stiffMatrix, Self.initialState, at: 0.5)
        #expect(Vector.maxAbs(Vector.difference(integrator.state, exact)) < 1e-8)
    }
}
