import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

#if canImport(Glibc)
import Glibc
#endif

/// `x' = -a x - ω y`, `y' = ω x - a y` from `(1, 0)`:
/// `x(t) = e^{-at} cos ωt`, so `|x|` dips below and rises above any small
/// threshold many times before it stays below.
final class DampedRotation: DenseJacobianODESystem {
    let a: Double, omega: Double
    init(a: Double, omega: Double) { self.a = a; self.omega = omega }
    var dimension: Int { 2 }
    var providesDenseJacobian: Bool { true }
    func evaluateRightHandSide(time: Double, state y: UnsafeBufferPointer<Double>,
                               derivative: UnsafeMutableBufferPointer<Double>) throws {
        derivative[0] = -a * y[0] - omega * y[1]
        derivative[1] = omega * y[0] - a * y[1]
    }
    func evaluateJacobian(time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
                          jacobian: UnsafeMutableBufferPointer<Double>) throws {
        jacobian[0] = -a; jacobian[1] = omega; jacobian[2] = -omega; jacobian[3] = -a
    }
    func exact(_ t: Double) -> Double { abs(exp(-a * t) * cos(omega * t)) }
}

@Suite struct OrderConvergenceTests {
    /// The last downward crossing of `e^{-at}|cos ωt| = ε`, from the closed
    /// form: bracketed on a fine grid from the end, then bisected.
    static func lastCrossing(_ f: (Double) -> Double, below epsilon: Double, until end: Double) -> Double {
        var hi = end
        let h = 1e-4
        while f(hi - h) <= epsilon { hi -= h }
        var lo = hi - h
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if f(mid) > epsilon { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// Root finding is checked, not just run: the crossings of an
    /// oscillating distance are found to 1e-8 against the closed form, and
    /// the *last* downward one is kept (there are about 20 before it).
    @Test func lastDownwardCrossingsOfAnOscillatingDistance() throws {
        let system = DampedRotation(a: 0.3, omega: 2 * Double.pi)
        let thresholds = [0.2, 0.05, 0.01]
        let crossings = ThresholdCrossings(distanceCount: 1, thresholds: thresholds) { y in [abs(y[0])] }
        let method = try BDF(relativeTolerance: 1e-12, absoluteTolerance: .scalar(1e-15), maxSteps: 1_000_000)
        let integrator = try CVodeIntegrator(system: system, initialTime: 0, initialState: [1, 0], method: method,
                                             roots: crossings.rootFunctions)
        try crossings.start(at: 0, state: [1, 0])
        let end = 25.0
        try integrator.setStopTime(end)
        while integrator.time < end {
            if case let .root(t, directions) = try integrator.step(toward: end) {
                crossings.record(time: t, directions: directions)
            }
        }
        let times = try crossings.times(at: integrator.state)
        #expect(crossings.rootCount > 3 * 20)
        for (j, epsilon) in thresholds.enumerated() {
            let expected = Self.lastCrossing(system.exact, below: epsilon, until: end)
            let found = try #require(times[0][j])
            #expect(abs(found - expected) < 1e-8, "ε = \(epsilon): \(found) vs \(expected)")
        }
    }

    /// A distance that ends below ε with its last downward crossing not
    /// reported (CVODE's root search saw no sign change: a noisy value near
    /// the root) gets the last time it was evaluated above ε, not "never";
    /// its onset, the first time it was evaluated below.
    @Test func unreportedCrossingTakesTheLastEvaluationAbove() throws {
        let crossings = ThresholdCrossings(distanceCount: 1, thresholds: [0.5, 0.1]) { y in [y[0]] }
        var g = [Double](repeating: 0, count: 2)
        func evaluate(_ t: Double, _ f: Double) throws {
            try [f].withUnsafeBufferPointer { y in
                try g.withUnsafeMutableBufferPointer { try crossings.rootFunctions.evaluate(t, y, $0) }
            }
        }
        try crossings.start(at: 0, state: [1])
        for (t, f) in [(1.0, 0.8), (2.0, 0.50000000000001), (2.5, 0.3)] { try evaluate(t, f) }  // 0.5 crossed, not reported
        try evaluate(3, 0.2)
        crossings.record(time: 3.5, directions: [0, -1])   // 0.1 crossed and reported
        try evaluate(4, 0.05)
        let times = try crossings.times(at: [0.05])
        #expect(times[0] == [2, 3.5])
        // Onsets: 0.5 unreported, first seen below at 2.5; 0.1 reported at 3.5 (first seen below at 4).
        #expect(crossings.firstTimes[0] == [2.5, 3.5])
        #expect(try crossings.times(at: [0.7])[0] == [nil, nil])
    }

    /// n = 1, `ising(1)`: `dJ/dt = m* - tanh J` from 0 has the closed form
    /// `t(J) = (m J + log((m cosh J - sinh J)/m)) / (m² - 1)`, so
    /// `r_1 = ε` at `J = J_∞ (1 - ε)` and `d_1 = ε` at `tanh J = m (1 - ε)`.
    /// Both times are found to 1e-8 through the orders code path (at
    /// ε = 0.001, `dJ/dt ≈ 5e-4`: a time error of 1e-8 is a coupling error
    /// of 5e-12, so the flow is integrated at rtol 1e-13, well below it).
    @Test func singleSpinTimesMatchTheClosedForm() throws {
        let m = 0.6
        let target = try Target(spins: 1, couplings: [(1, atanh(m))])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 1, order: 1), target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: [0], endTime: 40)
        let thresholds = [0.1, 0.01, 0.001]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds),
                                                method: GradientFlowMethod(relativeTolerance: 1e-13, absoluteTolerance: 1e-15))
        func timeOf(_ j: Double) -> Double { (m * j + log((m * cosh(j) - sinh(j)) / m)) / (m * m - 1) }
        let jInfinity = result.reference.finalCouplings[0]
        #expect(abs(jInfinity - atanh(m)) < 1e-9)
        #expect(result.stopTime == 40 && result.stopReason == .endTime)
        #expect(result.endpointDeviation == 0)
        for (j, epsilon) in thresholds.enumerated() {
            let tJ = try #require(result.couplingTimes[0][j].time)
            let tm = try #require(result.momentTimes[0][j].time)
            #expect(abs(tJ - timeOf(jInfinity * (1 - epsilon))) < 1e-8, "t_1(\(epsilon))")
            #expect(abs(tm - timeOf(atanh(m * (1 - epsilon)))) < 1e-8, "t_1^m(\(epsilon))")
        }
    }

    /// Full `ising(3)` from J = 0 on a target with every order: no order is
    /// trivial, every `r_k` ends at 0, every `t_k` exists, and the flow at
    /// `t_k(ε)` is exactly `ε` of the way from `θ_∞` (re-integrated to `t_k`).
    @Test func fullModelFromZero() throws {
        let n = 3
        let target = try Target.random(spins: n, seed: 7, orders: [1, 2, 3], scales: [0.6, 0.4, 0.3])
        let model = GeneralisedIsingModel(spins: n, order: n)
        let objective = LearningObjective(model: model, target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: Array(repeating: 0, count: 7),
                                       endTime: 1e4, gradientTolerance: 1e-11)
        let method = GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-13)
        let thresholds = [0.1, 0.01]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds), method: method)
        #expect(result.stopReason == .gradientTolerance)
        #expect(result.endpointDeviation == 0)
        #expect(result.reference.trivialCouplingOrders == [false, false, false])
        // r_k at the end of an independent run of the same flow: 0.
        let rerun = try GradientFlow(problem: flow, method: method)
        try rerun.integrate()
        let end = objective.evaluate(rerun.state)
        let atEnd = result.reference.distances(couplings: Walsh.canonicalOrder(end.couplings),
                                               moments: Walsh.canonicalOrder(end.moments))
        #expect(rerun.time == result.stopTime)
        #expect(atEnd.couplings.allSatisfy { $0 < 1e-12 }, "r_k(t_s) = \(atEnd.couplings)")
        #expect(atEnd.targetCouplings.allSatisfy { $0 < 1e-8 }, "|J^(k) - J*^(k)| = \(atEnd.targetCouplings)")
        for k in 0..<n {
            for (j, epsilon) in thresholds.enumerated() {
                let t = try #require(result.couplingTimes[k][j].time, "order \(k + 1), ε = \(epsilon)")
                #expect(result.momentTimes[k][j].time != nil)
                let replay = try GradientFlow(problem: flow, method: method)
                try replay.integrate(until: t)
                let at = objective.evaluate(replay.state)
                let d = result.reference.distances(couplings: Walsh.canonicalOrder(at.couplings),
                                                   moments: Walsh.canonicalOrder(at.moments))
                #expect(abs(d.couplings[k] - epsilon) < 1e-6 * epsilon, "r_\(k + 1)(t_\(k + 1)) = \(d.couplings[k])")
            }
        }
    }

    /// An `ising(2)` model's order 3 never moves (trivial); its moments of
    /// order 3 never reach the target's (not reached at small ε, t = +∞).
    @Test func truncatedModelHasTrivialAndUnreachedOrders() throws {
        let target = try Target.random(spins: 3, seed: 7, orders: [1, 2, 3], scales: [0.6, 0.4, 0.8])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 2), target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: Array(repeating: 0, count: 6),
                                       endTime: 1e3, gradientTolerance: 1e-10)
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: [0.01]), method: GradientFlowMethod())
        #expect(result.reference.trivialCouplingOrders == [false, false, true])
        #expect(result.couplingTimes[2] == [.trivial])
        #expect(result.couplingTimes[0][0].time != nil && result.couplingTimes[1][0].time != nil)
        #expect(result.momentTimes[2] == [.notReached])
        #expect(result.couplingHierarchyHolds(threshold: 0) == (result.couplingTimes[0][0].time! <= result.couplingTimes[1][0].time!))
        // t_3^m = +∞ comes last: the chain is that of orders 1 and 2.
        #expect(result.momentHierarchyHolds(threshold: 0) == (result.momentTimes[0][0].time! <= result.momentTimes[1][0].time!))
        #expect(OrderTime.isOrdered([.reached(1), .trivial, .notReached, .reached(5)]) == false)
        #expect(OrderTime.isOrdered([.reached(1), .trivial, .reached(0.5)]) == false)
        #expect(OrderTime.isOrdered([.trivial, .reached(2), .trivial, .reached(3), .notReached, .notReached]))
        #expect(!OrderTime.isOrdered([.trivial, .notReached, .notReached]) && !OrderTime.isOrdered([.trivial]))
    }

    /// The demo's RBM (4 spins, 4 hidden units, random target of orders
    /// 1-4, init scale 1e-3, seed 1): the moment-based times increase with
    /// the order (the learning hierarchy), the coupling-based ones are
    /// reported whatever their order, and the flow re-integrated to each
    /// `t_k^m(ε)` is exactly `ε` of the way to the target's moments of
    /// order `k` there (as `fullModelFromZero` checks the couplings).
    @Test func rbmFromSmallInitialisationLearnsMomentsInOrder() throws {
        let (_, flow) = try DemoFlow.problem()
        let method = GradientFlowMethod(relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
        let thresholds = [0.1, 0.01]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds), method: method)
        #expect(result.endpointDeviation == 0)
        for j in thresholds.indices {
            let moments = result.momentTimes.map { $0[j].time ?? .nan }
            #expect(zip(moments, moments.dropFirst()).allSatisfy { $0 < $1 }, "t^m(\(thresholds[j])) = \(moments)")
            #expect(result.momentHierarchyHolds(threshold: j))
            #expect(result.couplingTimes.allSatisfy { $0[j].time != nil })
        }
        for k in 0..<4 {
            for (j, epsilon) in thresholds.enumerated() {
                let t = try #require(result.momentTimes[k][j].time)
                let replay = try GradientFlow(problem: flow, method: method)
                try replay.integrate(until: t)
                let at = flow.objective.evaluate(replay.state)
                let d = result.reference.distances(couplings: Walsh.canonicalOrder(at.couplings),
                                                   moments: Walsh.canonicalOrder(at.moments))
                #expect(abs(d.moments[k] - epsilon) < 1e-6 * epsilon, "r_\(k + 1)^m(t_\(k + 1)^m) = \(d.moments[k]) at ε = \(epsilon)")
            }
        }
    }
}
