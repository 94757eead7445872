import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// Per-order Euclidean norms of vectors over the interactions `a ≠ 0` in
/// canonical order (by order, then sites), where order `k` is one
/// contiguous block of `C(n, k)` entries.
public enum InteractionOrders {
    /// The canonical-order index range of each order `k = 1 ... n` (at `k - 1`).
    public static func ranges(spins n: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var count = 1
        for k in 1...n {
            count = count * (n - k + 1) / k
            out.append(start..<(start + count))
            start += count
        }
        return out
    }

    /// `|x^(k) - y^(k)|` for `k = 1 ... n` (at `k - 1`).
    public static func distances(_ x: [Double], _ y: [Double], spins n: Int) -> [Double] {
        precondition(x.count == y.count && x.count == (1 << n) - 1, "expected canonical vectors of length 2^n - 1")
        return ranges(spins: n).map { range in Vector.norm(range.map { x[$0] - y[$0] }) }
    }
}

/// The fixed ends against which the per-order distances of docs/design.md, Orders of learning are
/// measured along a flow that stops at `θ_∞`:
///
///     r_k(t) = |J^(k)(t) - J^(k)(θ_∞)| / |J^(k)(0) - J^(k)(θ_∞)|
///     d_k(t) = |m^(k)(p_t) - m^(k)(q)| / |m^(k)(p_0) - m^(k)(q)|
///     |J^(k)(t) - J*^(k)|                       (not normalised)
///
/// An order whose denominator is at most `trivialTolerance` times the
/// largest order's (or times 1, if that is smaller) is **trivial**: it has
/// no way to go (an `ising(k)` model's orders above `k`, an order that
/// starts and ends at the same couplings, the lower orders of a parity
/// target from a tiny initialisation), its distance would be integration
/// noise, and its normalised distance and times are undefined (NaN,
/// `.trivial`).
public struct OrderReference: Sendable, Codable {
    public let spins: Int
    /// `J(θ_∞)`, `a ≠ 0`, canonical order.
    public let finalCouplings: [Double]
    /// `J*` and `m(q)`, canonical order.
    public let targetCouplings: [Double]
    public let targetMoments: [Double]
    /// `|J^(k)(0) - J^(k)(θ_∞)|`, `k = 1 ... n` (at `k - 1`).
    public let couplingScales: [Double]
    /// `|m^(k)(p_0) - m^(k)(q)|`.
    public let momentScales: [Double]
    public let trivialTolerance: Double
    /// The denominators at or below which an order is trivial:
    /// `trivialTolerance · max(1, max_k scale_k)`, for couplings and moments.
    public let trivialCouplingScale: Double
    public let trivialMomentScale: Double

    /// Default `trivialTolerance`: a hundred times the default relative
    /// integration tolerance (1e-8), so that the distance of a non-trivial
    /// order is never dominated by the integration error.
    public static let defaultTrivialTolerance = 1e-6

    /// From the couplings and moments (canonical order) at `θ(0)` and the
    /// couplings at `θ_∞`.
    public init(target: Target, initialCouplings: [Double], initialMoments: [Double], finalCouplings: [Double],
                trivialTolerance: Double = defaultTrivialTolerance) {
        let n = target.spins
        spins = n
        self.finalCouplings = finalCouplings
        targetCouplings = Walsh.canonicalOrder(target.couplings)
        targetMoments = Walsh.canonicalOrder(target.moments)
        couplingScales = InteractionOrders.distances(initialCouplings, finalCouplings, spins: n)
        momentScales = InteractionOrders.distances(initialMoments, targetMoments, spins: n)
        self.trivialTolerance = trivialTolerance
        trivialCouplingScale = trivialTolerance * max(1, couplingScales.max() ?? 0)
        trivialMomentScale = trivialTolerance * max(1, momentScales.max() ?? 0)
    }

    /// `true` at `k - 1` when order `k`'s couplings do not move (`r_k` undefined).
    public var trivialCouplingOrders: [Bool] { couplingScales.map { $0 <= trivialCouplingScale } }
    /// `true` at `k - 1` when order `k`'s moments start at the target's (`d_k` undefined).
    public var trivialMomentOrders: [Bool] { momentScales.map { $0 <= trivialMomentScale } }

    /// `r_k`, `d_k` and `|J^(k) - J*^(k)|` at a point with these couplings
    /// and moments (canonical order); NaN for trivial orders.
    public func distances(couplings: [Double], moments: [Double]) -> OrderDistances {
        let toFinal = InteractionOrders.distances(couplings, finalCouplings, spins: spins)
        let toTargetMoments = InteractionOrders.distances(moments, targetMoments, spins: spins)
        return OrderDistances(
            couplings: zip(toFinal, couplingScales).map { $1 <= trivialCouplingScale ? .nan : $0 / $1 },
            moments: zip(toTargetMoments, momentScales).map { $1 <= trivialMomentScale ? .nan : $0 / $1 },
            targetCouplings: InteractionOrders.distances(couplings, targetCouplings, spins: spins))
    }
}

/// The per-order distances at one time, `k = 1 ... n` at `k - 1`.
public struct OrderDistances: Sendable, Equatable {
    /// `r_k`: the fraction of its way order `k`'s couplings still have to go.
    public let couplings: [Double]
    /// `d_k`: the moments' distance to the target's, relative to the start.
    public let moments: [Double]
    /// `|J^(k) - J*^(k)|`.
    public let targetCouplings: [Double]
}

/// The convergence time of one order at one threshold.
public enum OrderTime: Sendable, Equatable, Codable {
    /// `t_k(ε) = inf{ t : distance(t') ≤ ε for all t' ≥ t }`.
    case reached(Double)
    /// The order's normalising distance is ~0: there is nothing to learn.
    case trivial
    /// The distance ends above `ε` (a moment the model cannot match, or a
    /// flow stopped before it got there).
    case notReached

    public var time: Double? {
        if case let .reached(t) = self { return t }
        return nil
    }

    /// As a number: the time, `+∞` when not reached (the infimum of an
    /// empty set), NaN when trivial (undefined). Files write it so.
    public var value: Double {
        switch self {
        case let .reached(t): return t
        case .notReached: return .infinity
        case .trivial: return .nan
        }
    }

    /// `reached`, `trivial` or `not_reached`, as summaries spell it.
    public var status: String {
        switch self {
        case .reached: return "reached"
        case .trivial: return "trivial"
        case .notReached: return "not_reached"
        }
    }

    /// The hierarchy `t_1 ≤ t_2 ≤ … ≤ t_n` over the orders listed in order,
    /// on `value`: trivial orders (NaN) are left out of the chain, having
    /// nothing to learn; an order never within `ε` counts as `t = +∞`, so it
    /// breaks the chain unless every later non-trivial order is unreached
    /// too. At least one order must be reached: where nothing was learned
    /// there is no hierarchy to speak of.
    public static func isOrdered(_ times: [OrderTime]) -> Bool {
        isOrdered(values: times.map(\.value))
    }

    /// `isOrdered` on numbers as files hold them (NaN trivial, `inf` not reached).
    public static func isOrdered(values: [Double]) -> Bool {
        var last = -Double.infinity
        for t in values where !t.isNaN {
            if t < last { return false }
            last = t
        }
        return values.contains { $0.isFinite }
    }
}

/// The `orders` analysis of one flow: `t_k(ε)` (couplings) and `t_k^m(ε)`
/// (moments) for every order `k` and threshold `ε`.
public struct OrderConvergenceProblem: Sendable {
    public let flow: GradientFlowProblem
    /// `ε`, each in (0, 1).
    public let thresholds: [Double]
    public let trivialTolerance: Double

    public init(flow: GradientFlowProblem, thresholds: [Double],
                trivialTolerance: Double = OrderReference.defaultTrivialTolerance) {
        precondition(!thresholds.isEmpty && thresholds.allSatisfy { $0 > 0 && $0 < 1 }, "thresholds must lie in (0, 1)")
        self.flow = flow
        self.thresholds = thresholds
        self.trivialTolerance = trivialTolerance
    }
}

/// The convergence times of every order, found by CVODE root finding.
public struct OrderConvergence: Sendable, Codable {
    public let thresholds: [Double]
    public let reference: OrderReference
    /// `couplingTimes[k - 1][j] = t_k(ε_j)` from `r_k`.
    public let couplingTimes: [[OrderTime]]
    /// `momentTimes[k - 1][j] = t_k^m(ε_j)` from `d_k`.
    public let momentTimes: [[OrderTime]]
    /// Where `θ_∞` was taken: the first pass's stop.
    public let stopTime: Double
    public let stopReason: FlowStopReason
    /// Root returns of the second pass (all functions counted).
    public let rootCount: Int
    /// CVODE's counters of the root-finding pass; nil when every order is
    /// trivial and there was nothing to find.
    public let statistics: SolverStatistics?
    /// `max_j |θ_j - θ_∞,j|` where the root-finding pass stopped: 0 when
    /// both passes took the same steps, as they should.
    public let endpointDeviation: Double

    /// Whether `t_1 ≤ … ≤ t_n` holds at threshold `thresholds[j]`.
    public func couplingHierarchyHolds(threshold j: Int) -> Bool { OrderTime.isOrdered(couplingTimes.map { $0[j] }) }
    public func momentHierarchyHolds(threshold j: Int) -> Bool { OrderTime.isOrdered(momentTimes.map { $0[j] }) }
}

extension OrderConvergence {
    /// Both passes: the first integrates the flow to its stop (`|∇L| <
    /// grad_tol` or `t_end`) to find `θ_∞`; the second, `solve(_:method:
    /// stoppedAt:reason:finalParameters:)`.
    public static func solve(_ problem: OrderConvergenceProblem, method: GradientFlowMethod,
                             onStep: ((Double) -> Void)? = nil) throws -> OrderConvergence {
        let flow = try GradientFlow(problem: problem.flow, method: method)
        let reason = try flow.integrate(afterStep: onStep)
        return try solve(problem, method: method, stoppedAt: flow.time, reason: reason, finalParameters: flow.state,
                         onStep: onStep)
    }

    /// The second pass, given the first pass's stop `(t_s, θ_∞)` (free
    /// parameters): integrates the same flow again with one CVODE root
    /// function per non-trivial order and threshold, `g = r_k - ε` and
    /// `g = d_k - ε`, and keeps each one's last downward crossing
    /// (`ThresholdCrossings`). Each root-function evaluation costs one
    /// all-states pass. Root returns do not change CVODE's steps, and the
    /// pass aims at the same end time with the same early stop as the first
    /// (the initial step depends on the end time), so it stops at the same
    /// step, `t_s`; `endpointDeviation` checks it.
    public static func solve(_ problem: OrderConvergenceProblem, method: GradientFlowMethod, stoppedAt stopTime: Double,
                             reason: FlowStopReason, finalParameters: [Double],
                             onStep: ((Double) -> Void)? = nil) throws -> OrderConvergence {
        let objective = problem.flow.objective
        let n = objective.target.spins
        func couplingsAndMoments(_ free: [Double]) -> (couplings: [Double], moments: [Double]) {
            let evaluation = objective.evaluate(free)
            return (Walsh.canonicalOrder(evaluation.couplings), Walsh.canonicalOrder(evaluation.moments))
        }
        let initial = couplingsAndMoments(problem.flow.initialParameters)
        let reference = OrderReference(target: objective.target, initialCouplings: initial.couplings,
                                       initialMoments: initial.moments,
                                       finalCouplings: couplingsAndMoments(finalParameters).couplings,
                                       trivialTolerance: problem.trivialTolerance)
        let couplingOrders = (0..<n).filter { !reference.trivialCouplingOrders[$0] }
        let momentOrders = (0..<n).filter { !reference.trivialMomentOrders[$0] }
        var couplingTimes = [[OrderTime]](repeating: Array(repeating: .trivial, count: problem.thresholds.count), count: n)
        var momentTimes = couplingTimes
        guard !couplingOrders.isEmpty || !momentOrders.isEmpty else {
            return OrderConvergence(thresholds: problem.thresholds, reference: reference, couplingTimes: couplingTimes,
                                    momentTimes: momentTimes, stopTime: stopTime, stopReason: reason, rootCount: 0,
                                    statistics: nil, endpointDeviation: 0)
        }

        let crossings = ThresholdCrossings(distanceCount: couplingOrders.count + momentOrders.count,
                                           thresholds: problem.thresholds) { y in
            let (couplings, moments) = couplingsAndMoments(Array(y))
            let d = reference.distances(couplings: couplings, moments: moments)
            return couplingOrders.map { d.couplings[$0] } + momentOrders.map { d.moments[$0] }
        }
        let flow = try GradientFlow(problem: problem.flow, method: method, roots: crossings.rootFunctions)
        try crossings.start(at: 0, state: problem.flow.initialParameters)
        try flow.integrate(until: problem.flow.endTime, afterStep: onStep.map { callback in { callback($0) } },
                           onRoot: { t, directions in crossings.record(time: t, directions: directions) })
        let times = try crossings.times(at: flow.state)
        for (i, k) in couplingOrders.enumerated() { couplingTimes[k] = times[i].map { $0.map(OrderTime.reached) ?? .notReached } }
        for (i, k) in momentOrders.enumerated() {
            momentTimes[k] = times[couplingOrders.count + i].map { $0.map(OrderTime.reached) ?? .notReached }
        }
        let deviation = flow.time == stopTime ? Vector.maxAbs(Vector.difference(flow.state, finalParameters)) : .infinity
        return OrderConvergence(thresholds: problem.thresholds, reference: reference, couplingTimes: couplingTimes,
                                momentTimes: momentTimes, stopTime: stopTime, stopReason: reason,
                                rootCount: crossings.rootCount, statistics: flow.statistics, endpointDeviation: deviation)
    }
}
