import EBMSolvers
import Foundation
import Testing

/// y' = -y, except where `fault` says otherwise: a right-hand side that goes
/// bad on purpose.
final class FaultyDecay: DenseJacobianODESystem, JacobianVectorProductODESystem {
    enum Fault {
        /// Component `component` is NaN for t ≥ `after`.
        case notANumber(component: Int, after: Double)
        /// Throws `ModelFailure` for t ≥ `after`.
        case throwing(after: Double)
        /// The dense Jacobian throws `ModelFailure`.
        case throwingJacobian
        /// The dense Jacobian has an infinity at (2, 0).
        case infiniteJacobianEntry
        /// J v throws `ModelFailure`.
        case throwingJacobianVectorProduct
    }

    struct ModelFailure: Error, Equatable {
        let time: Double
    }

    let dimension = 3
    let fault: Fault

    init(_ fault: Fault) {
        self.fault = fault
    }

    var providesDenseJacobian: Bool { true }
    var providesJacobianVectorProduct: Bool { true }

    func evaluateRightHandSide(
        time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>
    ) throws {
        for i in 0..<dimension { derivative[i] = -state[i] }
        switch fault {
        case .notANumber(let component, let after) where time >= after: derivative[component] = .nan
        case .throwing(let after) where time >= after: throw ModelFailure(time: time)
        default: break
        }
    }

    func evaluateJacobian(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) throws {
        if case .throwingJacobian = fault { throw ModelFailure(time: time) }
        for i in 0..<dimension { jacobian[i + i * dimension] = -1 }
        if case .infiniteJacobianEntry = fault { jacobian[2] = .infinity }
    }

    func evaluateJacobianVectorProduct(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        vector: UnsafeBufferPointer<Double>, product: UnsafeMutableBufferPointer<Double>
    ) throws {
        if case .throwingJacobianVectorProduct = fault { throw ModelFailure(time: time) }
        for i in 0..<dimension { product[i] = -vector[i] }
    }
}

@Suite("failure paths")
struct FailureTests {
    static func integrator(_ fault: FaultyDecay.Fault, linearSolver: LinearSolverChoice = .dense) throws
        -> CVodeIntegrator
    {
        try CVodeIntegrator(
            system: FaultyDecay(fault), initialTime: 0, initialState: [1, 2, 3],
            method: try BDF(
                relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-10), maxSteps: 500,
                linearSolver: linearSolver))
    }

    /// The `CVodeError` thrown by `body`, or nil (and a recorded issue).
    static func cvodeError(_ body: () throws -> Void) -> CVodeError? {
        do {
            try body()
            Issue.record("expected a CVodeError, nothing was thrown")
        } catch let error as CVodeError {
            return error
        } catch {
            Issue.record("expected a CVodeError, got \(type(of: error)): \(error)")
        }
        return nil
    }

    @Test("maxSteps 5 on Roberts to 4e10: .tooMuchWork, CV_TOO_MUCH_WORK, the time reached in the message")
    func tooMuchWork() throws {
        let integrator = try CVodeIntegrator(
            system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
            method: try RobertsKinetics.method(maxSteps: 5))
        guard let error = Self.cvodeError({ try integrator.advance(to: 4e10) }) else { return }
        #expect(error.status == .tooMuchWork)
        #expect(error.flag == -1)
        #expect(error.flagName == "CV_TOO_MUCH_WORK")
        #expect(error.function == "CVode")
        let time = try #require(error.time)
        #expect(time > 0)
        #expect(time == integrator.time)
        #expect(integrator.statistics.steps == 5)
        #expect((error.stepSize ?? 0) > 0)
        #expect(error.underlying == nil)
        #expect(error.description.contains("at t = \(time)"))
        #expect(error.description.contains("Raise max_steps or loosen rtol/atol"))
        #expect(error.description.contains("4e+10") || error.description.contains("40000000000"))
    }

    @Test("a right-hand side that is NaN from the start: CV_FIRST_RHSFUNC_ERR naming component 1")
    func notANumberAtTheStart() throws {
        let integrator = try Self.integrator(.notANumber(component: 1, after: 0))
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        #expect(error.status == .rightHandSideFailure)
        #expect(error.flagName == "CV_FIRST_RHSFUNC_ERR")
        let cause = try #require(error.underlying as? NonFiniteValueError)
        #expect(cause.quantity == .rightHandSide)
        #expect(cause.location == .component(1))
        #expect(cause.value.isNaN)
        #expect(error.description.contains("component 1"))
        #expect(error.description.contains("right-hand side"))
    }

    @Test("a right-hand side that turns NaN at t = 0.5: CVODE retries, then fails naming component 2")
    func notANumberLater() throws {
        let integrator = try Self.integrator(.notANumber(component: 2, after: 0.5))
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        let cause = try #require(error.underlying as? NonFiniteValueError)
        #expect(cause.location == .component(2))
        #expect(try #require(cause.time) >= 0.5)
        #expect(integrator.time < 0.5)
        #expect(error.description.contains("component 2"))
    }

    @Test("a right-hand side that throws: the Swift error comes back as underlying")
    func throwingRightHandSide() throws {
        let integrator = try Self.integrator(.throwing(after: 0.25))
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        #expect(error.status == .rightHandSideFailure)
        #expect(error.flagName == "CV_RHSFUNC_FAIL")
        let cause = try #require(error.underlying as? FaultyDecay.ModelFailure)
        #expect(cause.time >= 0.25)
        #expect(error.description.contains("ModelFailure"))
        // The state stays at the last point reached, before the fault.
        #expect(integrator.time > 0 && integrator.time < 0.25)
        #expect(integrator.state.allSatisfy { $0.isFinite })
    }

    @Test("a throwing Jacobian fails the linear solver setup and comes back as underlying")
    func throwingJacobian() throws {
        let integrator = try Self.integrator(.throwingJacobian)
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        #expect(error.status == .linearSolverSetupFailure)
        #expect(error.flagName == "CV_LSETUP_FAIL")
        #expect(error.underlying is FaultyDecay.ModelFailure)
    }

    @Test("a Jacobian with an infinity: CVODE retries with fresh Jacobians, then fails naming the entry")
    func infiniteJacobianEntry() throws {
        let integrator = try Self.integrator(.infiniteJacobianEntry)
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        let cause = try #require(error.underlying as? NonFiniteValueError)
        #expect(cause.quantity == .jacobian)
        #expect(cause.location == .entry(row: 2, column: 0))
        #expect(error.description.contains("Jacobian is inf in entry (2, 0)"))
    }

    @Test("a throwing J v fails the linear solve and comes back as underlying")
    func throwingJacobianVectorProduct() throws {
        let integrator = try Self.integrator(
            .throwingJacobianVectorProduct, linearSolver: .gmres(maxKrylovDimension: 3))
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        #expect(error.underlying is FaultyDecay.ModelFailure)
        #expect(error.status == .linearSolverSolveFailure)
    }

    @Test("a throwing root function: .rootFunctionFailure with the error as underlying")
    func throwingRootFunction() throws {
        struct EventFailure: Error {}
        let integrator = try CVodeIntegrator(
            system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
            method: try RobertsKinetics.method(),
            roots: RootFunctions(count: 1) { t, _, _ in if t > 0.1 { throw EventFailure() } })
        guard let error = Self.cvodeError({ try integrator.advance(to: 1) }) else { return }
        #expect(error.status == .rootFunctionFailure)
        #expect(error.flagName == "CV_RTFUNC_FAIL")
        #expect(error.underlying is EventFailure)
    }

    @Test("dense output outside the last step: .illegalInput, CV_BAD_T, the valid interval in the message")
    func denseOutputOutsideLastStep() throws {
        let integrator = try Self.integrator(.throwing(after: .infinity))
        try integrator.advance(to: 1)
        guard let error = Self.cvodeError({ _ = try integrator.denseOutput(at: 0.01) }) else { return }
        #expect(error.status == .illegalInput)
        #expect(error.flagName == "CV_BAD_T")
        #expect(error.function == "CVodeGetDky")
        #expect(error.description.contains("outside the last step"))

        guard let orderError = Self.cvodeError({ _ = try integrator.denseOutput(at: 1, derivative: 9) }) else {
            return
        }
        #expect(orderError.flagName == "CV_BAD_K")
    }

    @Test("invalid BDF options are refused when built")
    func invalidOptions() {
        func refused(_ option: String, _ build: () throws -> BDF) {
            do {
                _ = try build()
                Issue.record("BDF accepted an invalid \(option)")
            } catch let error as InvalidArgumentError {
                #expect(error.argument == "BDF.\(option)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        refused("relativeTolerance") {
            try BDF(relativeTolerance: 0, absoluteTolerance: .scalar(1e-8), maxSteps: 10)
        }
        refused("relativeTolerance") {
            try BDF(relativeTolerance: .nan, absoluteTolerance: .scalar(1e-8), maxSteps: 10)
        }
        refused("absoluteTolerance") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .scalar(-1), maxSteps: 10)
        }
        refused("absoluteTolerance") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .vector([1e-8, 0]), maxSteps: 10)
        }
        refused("absoluteTolerance") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .vector([]), maxSteps: 10)
        }
        refused("maxSteps") { try BDF(relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-8), maxSteps: 0) }
        refused("maxOrder") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-8), maxSteps: 10, maxOrder: 6)
        }
        refused("linearSolver") {
            try BDF(
                relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-8), maxSteps: 10,
                linearSolver: .gmres(maxKrylovDimension: 0))
        }
        refused("initialStep") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-8), maxSteps: 10, initialStep: -1)
        }
        refused("maxStep") {
            try BDF(relativeTolerance: 1e-6, absoluteTolerance: .scalar(1e-8), maxSteps: 10, maxStep: 0)
        }
    }

    @Test("a state or tolerance vector of the wrong length is refused before reaching CVODE")
    func wrongDimensions() throws {
        #expect(throws: InvalidArgumentError.self) {
            _ = try CVodeIntegrator(
                system: RobertsKinetics(), initialTime: 0, initialState: [1, 0], method: try RobertsKinetics.method())
        }
        #expect(throws: InvalidArgumentError.self) {
            _ = try CVodeIntegrator(
                system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
                method: try BDF(relativeTolerance: 1e-4, absoluteTolerance: .vector([1e-8, 1e-8]), maxSteps: 10))
        }
        let integrator = try CVodeIntegrator(
            system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0], method: try RobertsKinetics.method())
        #expect(throws: InvalidArgumentError.self) { try integrator.reinitialize(time: 0, state: [1, .nan, 0]) }
    }
}
