import EBMLinearAlgebra
@testable import EBMSolvers
import Testing

/// y' = -y with nothing but a right-hand side: no capability at all.
final class PlainDecay: ODESystem {
    let dimension = 2
    func evaluateRightHandSide(
        time: Double, state: UnsafeBufferPointer<Double>, derivative: UnsafeMutableBufferPointer<Double>
    ) {
        for i in 0..<dimension { derivative[i] = -state[i] }
    }
}

/// The one error family of CVODE and KINSOL, and capabilities checked when
/// an integrator is built.
@Suite("SUNDIALS core: errors and capabilities")
struct SundialsCoreTests {
    static func method(_ linearSolver: LinearSolverChoice, _ jacobian: JacobianChoice) throws -> BDF {
        try BDF(relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), maxSteps: 500,
                linearSolver: linearSolver, jacobian: jacobian)
    }

    @Test("an analytic Jacobian the system lacks is a thrown error naming the capability, not a trap")
    func missingCapability() throws {
        for (solver, capability) in [(LinearSolverChoice.dense, MissingCapabilityError.Capability.denseJacobian),
                                     (.gmres(maxKrylovDimension: 2), .jacobianVectorProduct)] {
            #expect(throws: MissingCapabilityError(
                capability: capability,
                requiredBy: "BDF(linearSolver: \(solver == .dense ? ".dense" : ".gmres"), jacobian: .analytic)",
                provider: "PlainDecay")) {
                try CVodeIntegrator(system: PlainDecay(), initialTime: 0, initialState: [1, 2],
                                    method: try Self.method(solver, .analytic))
            }
        }
        // A system that offers the capability but switches it off lacks it too.
        #expect(throws: MissingCapabilityError.self) {
            try CVodeIntegrator(system: RobertsKinetics(analyticJacobian: false), initialTime: 0,
                                initialState: [1, 0, 0], method: try Self.method(.dense, .analytic))
        }
        let error = MissingCapabilityError(capability: .denseJacobian, requiredBy: "X", provider: "PlainDecay")
        #expect("\(error)".contains("PlainDecay does not provide"))
    }

    @Test("automatic and difference-quotient Jacobians decide which callbacks CVODE calls")
    func jacobianChoice() throws {
        // Without capabilities, automatic means difference quotients: same numbers as asking for them.
        let plain = try CVodeIntegrator(system: PlainDecay(), initialTime: 0, initialState: [1, 2],
                                        method: try Self.method(.dense, .automatic))
        try plain.advance(to: 1)
        #expect(abs(plain.state[0] - 0.36787944117144233) <= 1e-6)
        #expect(plain.statistics.linearSolverRHSEvaluations > 0)
        // Roberts with its analytic Jacobian: no right-hand sides spent on difference quotients
        // unless they are asked for.
        for (choice, differenceQuotients) in [(JacobianChoice.analytic, false), (.differenceQuotient, true)] {
            let integrator = try CVodeIntegrator(system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
                                                 method: try Self.method(.dense, choice))
            try integrator.advance(to: 0.4)
            let statistics = try integrator.readStatistics()
            #expect(statistics.jacobianEvaluations > 0)
            #expect((statistics.linearSolverRHSEvaluations > 0) == differenceQuotients)
        }
    }

    @Test("a CVODE failure names the function, SUNDIALS' flag name, the time, and gives advice")
    func cvodeErrorCarriesTheFlagName() throws {
        let integrator = try CVodeIntegrator(
            system: PlainDecay(), initialTime: 0, initialState: [1, 2],
            method: try BDF(relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), maxSteps: 2))
        do {
            try integrator.advance(to: 100)
            Issue.record("two steps reached t = 100")
        } catch let error as SundialsError {
            #expect(error.solver == .cvode && error.status == .tooMuchWork)
            #expect(error.function == "CVode" && error.flagName == "CV_TOO_MUCH_WORK" && error.flag < 0)
            #expect(error.time == integrator.time)
            let text = "\(error)"
            #expect(text.hasPrefix("CVode failed with CV_TOO_MUCH_WORK (\(error.flag)) at t = "))
            #expect(text.contains("Raise max_steps"))
        }
    }

    @Test("KINSOL's failures are the same error type, with KINSOL's flag names")
    func kinsolErrorIsTheSameFamily() throws {
        let error: KINSOLError = SundialsError(
            solver: .kinsol, status: .illegalInput, flag: -2, flagName: "KIN_ILL_INPUT", function: "KINInit")
        let cvode: CVodeError = error
        #expect(cvode.solver == .kinsol)
        #expect("\(error)" == "KINInit failed with KIN_ILL_INPUT (-2): an input was refused.")
    }

    @Test("a non-finite value error carries its quantity, location and argument")
    func nonFiniteValueLocation() throws {
        let vector = try #require(NonFiniteValueError(
            checking: [1, 2, .infinity, .nan], quantity: .rightHandSide, argument: .time(0.5)))
        #expect(vector.location == .component(2) && vector.value == .infinity && vector.time == 0.5)
        #expect(vector.point == nil)
        #expect("\(vector)" == "the right-hand side is inf in component 2 at t = 0.5")
        // Column-major 2 × 2: element 3 is row 1, column 1.
        let matrix = try #require(NonFiniteValueError(
            checking: [1, 2, 3, .nan], quantity: .jacobian, argument: .point([4, 5]), matrixDimension: 2))
        #expect(matrix.location == .entry(row: 1, column: 1) && matrix.point == [4, 5] && matrix.time == nil)
        #expect("\(matrix)" == "the Jacobian is nan in entry (1, 1) at x = [4.0, 5.0]")
        #expect(NonFiniteValueError(checking: [1.0, 2], quantity: .residual, argument: .point([0])) == nil)
    }

    @Test("a dense linear solver on vectors that are not serial is refused when the integrator is built")
    func denseNeedsSerialVectors() throws {
        struct BlockVectors: VectorFactory {
            var communicator: UnsafeMutableRawPointer? { nil }
            var constructorName: String { "N_VNew_Block" }
            var isSerial: Bool { false }
            func makeVector(localLength: Int, context: OpaquePointer) -> UnsafeMutableRawPointer? { nil }
            func agreed(_ flag: Int32) -> Int32? { nil }
        }
        #expect(throws: MissingCapabilityError(
            capability: .serialVectors, requiredBy: "BDF(linearSolver: .dense)",
            provider: "BlockVectors (N_VNew_Block)")) {
            try CVodeIntegrator(system: PlainDecay(), initialTime: 0, initialState: [1, 2],
                                method: try Self.method(.dense, .automatic), vectors: BlockVectors())
        }
        // A factory that cannot allocate is a memory failure named after its constructor.
        do {
            _ = try CVodeIntegrator(system: PlainDecay(), initialTime: 0, initialState: [1, 2],
                                    method: try Self.method(.gmres(maxKrylovDimension: 2), .automatic),
                                    vectors: BlockVectors())
            Issue.record("a factory without vectors built an integrator")
        } catch let error as SundialsError {
            #expect(error.status == .memoryFailure && error.function == "N_VNew_Block")
        }
    }
}
