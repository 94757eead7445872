import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

#if canImport(Glibc)
import Glibc
#endif

/// The information-based times `t_I`, the onsets `t_on(k, f)` and the
/// early growth slopes, against closed forms and independent computations.
@Suite struct InformationTimesTests {
    /// `x` in `[lo, hi]` with `f(x) = y` for increasing `f`, by bisection.
    static func invert(_ f: (Double) -> Double, _ y: Double, in range: ClosedRange<Double>) -> Double {
        var (lo, hi) = (range.lowerBound, range.upperBound)
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if f(mid) < y { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// `I_1` of one spin with field `J`: `log 2 - S`, `S = log(2 cosh J) - J tanh J`.
    static func singleSpinInformation(_ j: Double) -> Double { log(2) - (log(2 * cosh(j)) - j * tanh(j)) }

    /// n = 1, `ising(1)` from `J = 0`: `dJ/dt = m - tanh J` has the closed
    /// form `t(J) = (m J + log((m cosh J - sinh J)/m)) / (m² - 1)`, and
    /// `I_1 = log 2 - S(J)` increases with `J` from 0 to `I_1(J_∞)`, so
    /// `t_I(ε) = t(J)` where `I_1(J) = (1 - ε) I_1(J_∞)`; the onsets are
    /// `t(J)` where `J = f J_∞` (couplings), `tanh J = f m` (moments) and
    /// `I_1(J) = f I_1(J_∞)` (information). All to 1e-8 through the orders
    /// code path.
    @Test func singleSpinInformationTimesAndOnsetsMatchTheClosedForm() throws {
        let m = 0.6
        let target = try Target(spins: 1, couplings: [(1, atanh(m))])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 1, order: 1), target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: [0], endTime: 40)
        let thresholds = [0.1, 0.01, 0.001], onsets = [0.1, 0.5, 0.9]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds, onsets: onsets),
                                                method: GradientFlowMethod(relativeTolerance: 1e-13, absoluteTolerance: 1e-15))
        func timeOf(_ j: Double) -> Double { (m * j + log((m * cosh(j) - sinh(j)) / m)) / (m * m - 1) }
        let jInfinity = result.reference.finalCouplings[0]
        let information = try #require(result.information)
        let iInfinity = Self.singleSpinInformation(jInfinity)
        #expect(abs(information.final[0] - iInfinity) < 1e-14 && information.initial[0] == 0)
        let tI = try #require(result.informationTimes)
        for (j, epsilon) in thresholds.enumerated() {
            let jEpsilon = Self.invert(Self.singleSpinInformation, (1 - epsilon) * iInfinity, in: 0...jInfinity)
            let found = try #require(tI[0][j].time)
            #expect(abs(found - timeOf(jEpsilon)) < 1e-8, "t_I(\(epsilon)) = \(found), closed form \(timeOf(jEpsilon))")
        }
        for (j, f) in onsets.enumerated() {
            let couplings = try #require(result.onsetTimes[.couplings]?[0][j].time)
            let moments = try #require(result.onsetTimes[.moments]?[0][j].time)
            let info = try #require(result.onsetTimes[.information]?[0][j].time)
            #expect(abs(couplings - timeOf(f * jInfinity)) < 1e-8, "t_on_J(\(f))")
            #expect(abs(moments - timeOf(atanh(f * m))) < 1e-8, "t_on_m(\(f))")
            let jInformation = Self.invert(Self.singleSpinInformation, f * iInfinity, in: 0...jInfinity)
            #expect(abs(info - timeOf(jInformation)) < 1e-8, "t_on_I(\(f))")
        }
        // Single order: each measure is trivially in order.
        #expect(result.hierarchyHolds(.information, threshold: 0) == true)
    }

    /// A product target (fields only) learned by `ising(1)` on 3 spins:
    /// the model stays a product, so only `I_1` is non-zero, orders 2 and 3
    /// are trivial for `t_I`, and `I_1 = Σ_i (log 2 - S(J_i))` in closed
    /// form. The flow replayed independently to `t_I(ε)` has `I_1` exactly
    /// `(1 - ε) I_1(p_∞)` there.
    @Test func productTargetHasOnlyFirstOrderInformation() throws {
        let fields = [0.8, -0.5, 0.3]
        let target = try Target(spins: 3, couplings: fields.enumerated().map { (1 << $0.offset, $0.element) })
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 1), target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: [0.01, 0.02, -0.01], endTime: 200,
                                       gradientTolerance: 1e-12)
        let method = GradientFlowMethod(relativeTolerance: 1e-11, absoluteTolerance: 1e-13)
        let thresholds = [0.1, 0.01]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds), method: method)
        let information = try #require(result.information)
        #expect(information.trivialOrders == [false, true, true])
        #expect(information.final[1] < 1e-12 && information.final[2] < 1e-12)
        let tI = try #require(result.informationTimes)
        #expect(tI[1] == [.trivial, .trivial] && tI[2] == [.trivial, .trivial])
        #expect(result.onsetTimes[.information]?[1] == [.trivial, .trivial])
        func closedForm(_ free: [Double]) -> Double { free.map(Self.singleSpinInformation).reduce(0, +) }
        #expect(abs(information.final[0] - closedForm(fields)) < 1e-9)
        for (j, epsilon) in thresholds.enumerated() {
            let t = try #require(tI[0][j].time)
            let replay = try GradientFlow(problem: flow, method: method)
            try replay.integrate(until: t)
            #expect(abs(closedForm(replay.state) / information.final[0] - (1 - epsilon)) < 1e-6 * epsilon,
                    "I_1(t_I(\(epsilon))) / I_1(p_inf) = \(closedForm(replay.state) / information.final[0])")
        }
        #expect(result.hierarchyHolds(.information, threshold: 0) == true)
    }

    /// On the demo's rbm (4 spins, 4 hidden units, init scale 1e-3) `t_I`
    /// agrees with the connected information sampled independently along
    /// the trajectory (`ConnectedInformationSolver.along`, 400 log-spaced
    /// samples): the last sample outside `[1-ε, 1+ε] I_k(p_∞)` comes before
    /// `t_I` and every sample from `t_I` on is inside.
    @Test func informationTimesAgreeWithTheSampledInformation() throws {
        let (model, flow) = try DemoFlow.problem()
        let method = GradientFlowMethod()
        let trajectory = try GradientFlow(problem: flow, method: method)
            .sampledTrajectory(TrajectorySampling(count: 400, spacing: .logarithmic(firstTime: 1e-3)))
        let thresholds = [0.5, 0.1, 0.01]
        let result = try OrderConvergence.solve(OrderConvergenceProblem(flow: flow, thresholds: thresholds), method: method,
                                                stoppedAt: trajectory.stopTime, reason: trajectory.stopReason,
                                                finalParameters: trajectory.finalFreeParameters)
        let sampled = try ConnectedInformationSolver.along(trajectory, model: model)
        let information = try #require(result.information)
        let tI = try #require(result.informationTimes)
        var checked = 0
        for k in 0..<4 where !information.trivialOrders[k] {
            for (j, epsilon) in thresholds.enumerated() {
                let outside = sampled.indices.filter { abs(sampled[$0].perOrder[k] / information.final[k] - 1) > epsilon }
                let t = try #require(tI[k][j].time, "order \(k + 1), ε = \(epsilon)")
                if let last = outside.last {
                    #expect(trajectory.samples[last].time < t, "order \(k + 1), ε = \(epsilon): sample outside at \(trajectory.samples[last].time) after t_I = \(t)")
                    #expect(t <= trajectory.samples[last + 1].time, "order \(k + 1), ε = \(epsilon): t_I = \(t) after the next sample")
                } else {
                    #expect(t == 0)
                }
                checked += 1
            }
        }
        #expect(checked == 12)
    }

    /// The slope estimator recovers exact power laws, and a full `ising(3)`
    /// from `J = 0` (every coupling a parameter, `dJ/dt = m(q) - m(p) ≠ 0`
    /// at the start) grows every order linearly at early times: slope 1.
    @Test func earlyGrowthSlopes() throws {
        for k in 1...5 {
            let points = stride(from: -2.0, through: 1.0, by: 0.25).map { x in (x, 0.3 + Double(k) * x) }
            #expect(abs(try #require(EarlyGrowth.slope(points)) - Double(k)) < 1e-12)
        }
        #expect(EarlyGrowth.slope([(0, 1), (1, 2)]) == nil)
        // Order 3 at the rounding level (±1e-16) until t = 1, then 1e-9 t³:
        // the slope is that of the growth alone; order 1 grows as t throughout.
        let times = stride(from: -2.0, through: 1.0, by: 0.125).map { pow(10, $0) }
        let noisy = times.enumerated().map { i, t in (time: t, distances: [1e-3 * t, 0, t < 1 ? (i % 2 == 0 ? 1e-16 : 3e-16) : 1e-9 * t * t * t]) }
        let noisySlopes = EarlyGrowth.slopes(noisy, spins: 3)
        #expect(abs(try #require(noisySlopes[0]) - 1) < 1e-12)
        #expect(noisySlopes[1] == nil)
        #expect(abs(try #require(noisySlopes[2]) - 3) < 1e-12)
        let target = try Target.random(spins: 3, seed: 7, orders: [1, 2, 3], scales: [0.6, 0.4, 0.3])
        let objective = LearningObjective(model: GeneralisedIsingModel(spins: 3, order: 3), target: target)
        let flow = GradientFlowProblem(objective: objective, initialParameters: Array(repeating: 0, count: 7), endTime: 10)
        let trajectory = try GradientFlow(problem: flow, method: GradientFlowMethod(relativeTolerance: 1e-12, absoluteTolerance: 1e-15))
            .sampledTrajectory(TrajectorySampling(count: 100, spacing: .logarithmic(firstTime: 1e-5)))
        let growth = EarlyGrowth(trajectory, window: 1e-5...1e-3)
        #expect(growth.samples > 20)
        for (k, slope) in growth.slopes.enumerated() {
            let s = try #require(slope)
            #expect(abs(s - 1) < 1e-2, "order \(k + 1): slope \(s)")
        }
    }
}
