import EBMSolvers
import Testing

/// `reinitialize(time:state:)` (CVodeReInit) must leave no trace of the
/// previous run: a reused integrator gives bit-for-bit the states, root times
/// and counters of a fresh one.
@Suite("reinitialisation")
struct ReinitializationTests {
    /// Every time returned and every state component, as bit patterns, along
    /// the example's output loop up to t = 4e4 (roots included).
    static func trajectory(_ integrator: CVodeIntegrator) throws -> [UInt64] {
        var bits: [UInt64] = []
        var outputTime = 0.4
        while outputTime <= 4.0e4 {
            let result = try integrator.advance(to: outputTime)
            bits.append(result.time.bitPattern)
            bits += integrator.state.map(\.bitPattern)
            if case .reached = result { outputTime *= 10 }
        }
        return bits
    }

    @Test("Roberts (dense, analytic Jacobian, roots): reused integrator == fresh integrator, bitwise")
    func denseRobertsMatchesFreshIntegrator() throws {
        let first = [1.0, 0, 0]
        let second = [0.97, 1.0e-5, 0.02999]
        func fresh(_ state: [Double]) throws -> CVodeIntegrator {
            try CVodeIntegrator(
                system: RobertsKinetics(), initialTime: 0, initialState: state,
                method: try RobertsKinetics.method(), roots: RobertsKinetics.roots)
        }

        let reused = try fresh(first)
        let firstRun = try Self.trajectory(reused)
        let firstStatistics = reused.statistics

        try reused.reinitialize(time: 0, state: second)
        #expect(reused.time == 0)
        #expect(reused.state == second)
        let reusedRun = try Self.trajectory(reused)
        let freshIntegrator = try fresh(second)
        let freshRun = try Self.trajectory(freshIntegrator)
        #expect(reusedRun == freshRun)
        #expect(reused.statistics == freshIntegrator.statistics)
        #expect(reusedRun != firstRun)

        // And back: the first initial condition again reproduces the first run.
        try reused.reinitialize(time: 0, state: first)
        #expect(try Self.trajectory(reused) == firstRun)
        #expect(reused.statistics == firstStatistics)
    }

    @Test("linear system (GMRES with J v): reused integrator == fresh integrator, bitwise")
    func gmresLinearSystemMatchesFreshIntegrator() throws {
        let method = try BDF(
            relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), maxSteps: 10_000,
            linearSolver: .gmres(maxKrylovDimension: 3))
        func fresh(_ state: [Double]) throws -> CVodeIntegrator {
            try CVodeIntegrator(
                system: LinearSystem(matrix: LinearSystem.stiffMatrix, jacobianVectorProduct: true),
                initialTime: 0, initialState: state, method: method)
        }
        let times = [0.01, 0.1, 1, 10]
        func run(_ integrator: CVodeIntegrator) throws -> [UInt64] {
            try times.flatMap { t -> [UInt64] in
                try integrator.advance(to: t)
                return integrator.state.map(\.bitPattern)
            }
        }

        let reused = try fresh([1, 1, 1])
        _ = try run(reused)
        try reused.reinitialize(time: 0, state: [0.5, -2, 1])
        let freshIntegrator = try fresh([0.5, -2, 1])
        #expect(try run(reused) == run(freshIntegrator))
        #expect(reused.statistics == freshIntegrator.statistics)
    }

    @Test("the integrator is released with its last reference (the callbacks hold it unretained)")
    func integratorIsReleased() throws {
        weak var released: CVodeIntegrator?
        do {
            let integrator = try CVodeIntegrator(
                system: RobertsKinetics(), initialTime: 0, initialState: [1, 0, 0],
                method: try RobertsKinetics.method(), roots: RobertsKinetics.roots)
            try integrator.advance(to: 0.4)
            released = integrator
            #expect(released != nil)
        }
        #expect(released == nil)
    }

    @Test("a stop time holds until reached, then lapses; it survives reinitialize; .infinity lifts it")
    func stopTimeLifetime() throws {
        let method = try BDF(relativeTolerance: 1e-8, absoluteTolerance: .scalar(1e-10), maxSteps: 10_000)
        let integrator = try CVodeIntegrator(
            system: LinearSystem(matrix: LinearSystem.stiffMatrix, jacobianVectorProduct: false),
            initialTime: 0, initialState: [1, 1, 1], method: method)
        try integrator.setStopTime(0.5)
        #expect(try integrator.advance(to: 0.2) == .reached(0.2))
        try integrator.reinitialize(time: 0, state: [1, 1, 1])
        #expect(try integrator.advance(to: 1) == .stopTime(0.5))
        #expect(try integrator.advance(to: 1) == .reached(1))

        try integrator.setStopTime(1.5)
        try integrator.setStopTime(.infinity)
        #expect(try integrator.advance(to: 2) == .reached(2))
    }
}
