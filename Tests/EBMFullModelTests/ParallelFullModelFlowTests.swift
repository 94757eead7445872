import EBMAnalysis
import EBMCore
import EBMDistributed
import EBMLinearAlgebra
@testable import EBMFullModel
import EBMSolvers
import Testing

/// The distributed full model's flow on one MPI rank, in this test process:
/// `MPISession.start()` calls `MPI_Init_thread` without a launcher, which
/// Open MPI answers with a singleton `MPI_COMM_WORLD` of size 1 (it starts
/// its own runtime daemon). So `nvector_parallel`, the distributed
/// Walsh–Hadamard transform and every reduction run, on one block.
///
/// MPI can be initialised once per process, so everything that needs the
/// session is one test that finalises it at the end.
@Suite("the parallel full-model flow on one rank", .serialized)
struct ParallelFullModelFlowTests {
    static let spins = 4
    /// q ∝ exp(Σ J*_A χ_A) from a few couplings of orders 1 to 3.
    static let couplings: [(mask: Int, value: Double)] = [(0b0001, 0.3), (0b0110, -0.5), (0b1011, 0.4), (0b1100, 0.2)]
    /// θ(0), by interaction mask; the others zero.
    static let initial: [Int: Double] = [0b0001: 0.05, 0b0011: -0.02, 0b1111: 0.01]

    @Test("follows the serial flow of the same ising(n) problem; a callback's non-finite value surfaces as the cause")
    func parallelFlowOnOneRank() throws {
        let session = try MPISession.start()
        defer { try? session.finalize() }
        #expect(session.size == 1 && session.rank == 0)
        try followsTheSerialFlow(session: session)
        try callbackFailureKeepsItsCause(session: session)
        try stopRequestEndsTheIntegrationAtItsStep(session: session)
    }

    /// A stop request that comes after the third step ends the integration
    /// there with `Interrupted` at that step's time, before its end time.
    func stopRequestEndsTheIntegrationAtItsStep(session: MPISession) throws {
        let settings = ParallelFullModelFlow.Settings(relativeTolerance: 1e-10, absoluteTolerance: 1e-12, maxSteps: 100_000)
        let flow = try ParallelFullModelFlow(
            spins: Self.spins, session: session, target: .couplings(Self.couplings), initial: .values(Self.initial),
            settings: settings)
        var polls = 0
        var times: [Double] = []
        do {
            _ = try flow.integrate(endTime: 2, gradientTolerance: 0, grid: { [$0] },
                                   isStopRequested: { polls += 1; return polls >= 3 }, afterStep: { times.append($0) })
            Issue.record("the integration was not interrupted")
        } catch let interrupted as ParallelFullModelFlow.Interrupted {
            #expect(polls == 3)
            #expect(times.count == 2, "the step that saw the request is not reported as taken")
            #expect(interrupted.time > times[1] && interrupted.time < 2)
            #expect(interrupted.time == flow.integrator.time)
        }
    }

    /// θ(T) of the parallel flow against the serial `CVodeIntegrator` on the
    /// `GradientFlowSystem` of `ising(n)`, both at rtol 1e-10, atol 1e-12: the
    /// states agree to 1e-7 (each is within about 1e-8 of the exact flow),
    /// and so do the sampled |∇L| and the order norms |J^(k)|.
    func followsTheSerialFlow(session: MPISession) throws {
        let n = Self.spins, endTime = 2.0
        let settings = ParallelFullModelFlow.Settings(relativeTolerance: 1e-10, absoluteTolerance: 1e-12, maxSteps: 100_000)
        let flow = try ParallelFullModelFlow(
            spins: n, session: session, target: .couplings(Self.couplings), initial: .values(Self.initial),
            settings: settings)
        #expect(flow.integrator.vectors is ParallelVectors)
        let result = try flow.integrate(endTime: endTime, gradientTolerance: 0, grid: { [0.5, $0] })
        #expect(result.stopReason == .endTime && result.stopTime == endTime)
        #expect(result.samples.map(\.time) == [0.5, endTime])
        #expect(result.steps > 0 && result.krylovIterations > 0)
        let parallel = flow.integrator.state // masks 1, 2, ..., 2^n - 1

        let model = GeneralisedIsingModel(spins: n, order: n)
        let target = try Target(spins: n, couplings: Self.couplings)
        let system = GradientFlowSystem(objective: LearningObjective(model: model, target: target))
        let start = model.interactions.map { Self.initial[$0] ?? 0 }
        let serial = try CVodeIntegrator(
            system: system, initialTime: 0, initialState: start,
            method: BDF(relativeTolerance: 1e-10, absoluteTolerance: .scalar(1e-12), maxSteps: 100_000))
        try serial.advance(to: endTime)
        let theta = serial.state

        var worst = 0.0
        for (j, mask) in model.interactions.enumerated() { worst = max(worst, abs(theta[j] - parallel[mask - 1])) }
        #expect(worst <= 1e-7, "largest |θ_serial - θ_parallel| at t = \(endTime): \(worst)")
        // The flow moved: the comparison is not of two copies of θ(0).
        #expect(Vector.maxAbs(Vector.difference(theta, start)) > 1e-2)

        let last = try #require(result.samples.last)
        #expect(abs(last.gradientNorm - system.gradientNorm(at: theta)) <= 1e-7)
        for k in 1...n {
            let norm = zip(model.interactions, theta).filter { $0.0.nonzeroBitCount == k }.map { $0.1 * $0.1 }
                .reduce(0, +).squareRoot()
            #expect(abs(last.orderNorms[k - 1] - norm) <= 1e-7, "order \(k)")
        }
    }

    /// θ(0) = 1e308 on three couplings overflows the Walsh transform: the
    /// right-hand side is NaN at the first call. The integrator's callback
    /// keeps that as the cause, and `CVode`'s failure carries it.
    func callbackFailureKeepsItsCause(session: MPISession) throws {
        let settings = ParallelFullModelFlow.Settings(relativeTolerance: 1e-8, absoluteTolerance: 1e-10, maxSteps: 100)
        let flow = try ParallelFullModelFlow(
            spins: Self.spins, session: session, target: .couplings(Self.couplings),
            initial: .values([0b0001: 1e308, 0b0010: 1e308, 0b0011: 1e308]), settings: settings)
        do {
            _ = try flow.integrate(endTime: 1, gradientTolerance: 0, grid: { [$0] })
            Issue.record("the integration of a NaN right-hand side succeeded")
        } catch let error as SundialsError {
            #expect(error.solver == .cvode)
            #expect(error.function == "CVode")
            #expect(error.status == .rightHandSideFailure)
            #expect(error.flagName == "CV_FIRST_RHSFUNC_ERR")
            let cause = try #require(error.underlying as? NonFiniteValueError)
            #expect(cause.quantity == .rightHandSide)
            #expect(cause.time == 0)
            #expect(cause.value.isNaN)
            guard case .component(let index) = cause.location else {
                Issue.record("expected a component, got \(cause.location)")
                return
            }
            #expect(index >= 0 && index < (1 << Self.spins) - 1)
            #expect("\(error)".contains("the right-hand side is \(cause.value) in component \(index) at t = 0.0"))
        }
    }
}
