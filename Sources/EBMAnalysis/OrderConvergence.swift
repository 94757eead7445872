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

/// The `orders` analysis of one flow: `t_k(ε)` (couplings), `t_k^m(ε)`
/// (moments) and `t_k^I(ε)` (connected information) for every order `k`
/// and threshold `ε`, and the onsets `t_on(k, f)` of each measure for every
/// fraction `f`.
public struct OrderConvergenceProblem: Sendable {
    public let flow: GradientFlowProblem
    /// `ε`, each in (0, 1).
    public let thresholds: [Double]
    public let trivialTolerance: Double
    /// `f`, each in (0, 1): the onset `t_on(k, f)` is the first time order
    /// `k`'s normalised distance is at most `1 - f`.
    public let onsets: [Double]
    /// Whether to measure the connected information (`t_I` and its onsets):
    /// `n - 1` maximum-entropy projections per root-function evaluation.
    public let measuresInformation: Bool

    /// Above this many spins the information measures are skipped by default.
    public static let informationSpinLimit = 8
    public static let defaultOnsets = [0.1, 0.5]

    public init(flow: GradientFlowProblem, thresholds: [Double],
                trivialTolerance: Double = OrderReference.defaultTrivialTolerance,
                onsets: [Double] = defaultOnsets, measuresInformation: Bool? = nil) {
        precondition(!thresholds.isEmpty && thresholds.allSatisfy { $0 > 0 && $0 < 1 }, "thresholds must lie in (0, 1)")
        precondition(onsets.allSatisfy { $0 > 0 && $0 < 1 }, "onset fractions must lie in (0, 1)")
        self.flow = flow
        self.thresholds = thresholds
        self.trivialTolerance = trivialTolerance
        self.onsets = onsets
        self.measuresInformation = measuresInformation ?? (flow.objective.target.spins <= Self.informationSpinLimit)
    }
}

/// The three ways an order's progress is measured.
public enum OrderMeasure: String, CaseIterable, Sendable, Codable {
    /// `r_k`: couplings against `θ_∞`'s.
    case couplings
    /// `d_k`: moments against the target's.
    case moments
    /// `I_k(p_t)` against `I_k(p_∞)`.
    case information

    /// `J`, `m`, `I`, as the files' columns spell it (`t_J`, `t_m`, `t_I`).
    public var symbol: String {
        switch self {
        case .couplings: return "J"
        case .moments: return "m"
        case .information: return "I"
        }
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
    /// `informationTimes[k - 1][j] = t_k^I(ε_j)`, the last entry of
    /// `I_k(p_t)` into `[1-ε, 1+ε] I_k(p_∞)`; nil when not measured.
    public let informationTimes: [[OrderTime]]?
    /// `I_k(p_0)` and `I_k(p_∞)`; nil when not measured.
    public let information: InformationReference?
    /// The onset fractions `f`.
    public let onsets: [Double]
    /// `onsetTimes[measure][k - 1][j] = t_on(k, f_j)`: the first time the
    /// measure's normalised distance of order `k` is at most `1 - f_j`
    /// (couplings `r_k`, moments `d_k`, information
    /// `|I_k(p_t) - I_k(p_∞)| / |I_k(p_0) - I_k(p_∞)|`).
    public let onsetTimes: [OrderMeasure: [[OrderTime]]]
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

    /// The convergence times of a measure, nil when it was not measured.
    public func times(_ measure: OrderMeasure) -> [[OrderTime]]? {
        switch measure {
        case .couplings: return couplingTimes
        case .moments: return momentTimes
        case .information: return informationTimes
        }
    }

    /// Whether `t_1 ≤ … ≤ t_n` holds at threshold `thresholds[j]`.
    public func couplingHierarchyHolds(threshold j: Int) -> Bool { OrderTime.isOrdered(couplingTimes.map { $0[j] }) }
    public func momentHierarchyHolds(threshold j: Int) -> Bool { OrderTime.isOrdered(momentTimes.map { $0[j] }) }
    /// Whether the measure's times at `thresholds[j]` are in order; nil when not measured.
    public func hierarchyHolds(_ measure: OrderMeasure, threshold j: Int) -> Bool? {
        times(measure).map { OrderTime.isOrdered($0.map { $0[j] }) }
    }
    /// Whether the measure's onsets at `onsets[j]` are in order; nil when not measured.
    public func onsetHierarchyHolds(_ measure: OrderMeasure, fraction j: Int) -> Bool? {
        onsetTimes[measure].map { OrderTime.isOrdered($0.map { $0[j] }) }
    }
}

/// The ends of the information measures along a flow: `I_k(p_0)` and
/// `I_k(p_∞)`, `k = 1 ... n` at `k - 1`. An order whose `I_k(p_∞)` is at
/// most `trivialTolerance` times the largest order's has no structure to
/// acquire: its `t_I` is trivial; its onset is trivial when
/// `|I_k(p_0) - I_k(p_∞)|` is at most `trivialTolerance` times the largest
/// `I_k(p_∞)`.
public struct InformationReference: Sendable, Codable, Equatable {
    public let initial: [Double]
    public let final: [Double]
    public let trivialTolerance: Double

    public init(initial: [Double], final: [Double], trivialTolerance: Double) {
        self.initial = initial
        self.final = final
        self.trivialTolerance = trivialTolerance
    }

    var trivialLevel: Double { trivialTolerance * (final.max() ?? 0) }
    /// `true` at `k - 1` when `I_k(p_∞)` is ~0 (`t_I` undefined).
    public var trivialOrders: [Bool] { final.map { $0 <= trivialLevel } }
    /// `true` at `k - 1` when `I_k` has no way to go (its onset undefined).
    public var trivialOnsetOrders: [Bool] { zip(initial, final).map { abs($0 - $1) <= trivialLevel } }

    /// `|I_k / I_k(p_∞) - 1|` (the tube of `t_I`), NaN for trivial orders.
    public func tubeDistances(_ information: [Double]) -> [Double] {
        zip(information, final).map { value, end in end <= trivialLevel ? .nan : abs(value / end - 1) }
    }

    /// `|I_k - I_k(p_∞)| / |I_k(p_0) - I_k(p_∞)|` (the onsets' distance), NaN for trivial orders.
    public func progressDistances(_ information: [Double]) -> [Double] {
        (0..<final.count).map { k in
            let way = abs(initial[k] - final[k])
            return way <= trivialLevel ? .nan : abs(information[k] - final[k]) / way
        }
    }
}

/// The connected information of the model's distribution at successive
/// points of a flow, each projection warm-started from the previous one
/// (a reference type, so that CVODE's root function can keep it).
final class InformationTracker {
    private var solver: ConnectedInformationSolver
    init(spins: Int) { solver = ConnectedInformationSolver(spins: spins) }

    func perOrder(logProbabilities: [Double], spins: Int) throws -> [Double] {
        try solver.information(of: Target(spins: spins, unnormalisedLogProbabilities: logProbabilities)).perOrder
    }
}

extension OrderConvergence {
    /// Both passes: the first integrates the flow to its stop (`|∇L| <
    /// grad_tol` or `t_end`) to find `θ_∞`; the second, `solve(_:method:
    /// stoppedAt:reason:finalParameters:)`.
    public static func solve(_ problem: OrderConvergenceProblem, method: GradientFlowMethod,
                             onStep: ((Double) throws -> Void)? = nil) throws -> OrderConvergence {
        let flow = try GradientFlow(problem: problem.flow, method: method)
        let reason = try flow.integrate(afterStep: onStep)
        return try solve(problem, method: method, stoppedAt: flow.time, reason: reason, finalParameters: flow.state,
                         onStep: onStep)
    }

    /// The second pass, given the first pass's stop `(t_s, θ_∞)` (free
    /// parameters): integrates the same flow again with one CVODE root
    /// function per non-trivial order, measure and level — `g = r_k - ε`,
    /// `g = d_k - ε`, `g = |I_k/I_k(p_∞) - 1| - ε` for the convergence
    /// times and `g = r_k - (1 - f)`, `d_k - (1 - f)`,
    /// `|I_k - I_k(p_∞)|/|I_k(p_0) - I_k(p_∞)| - (1 - f)` for the onsets —
    /// and keeps each one's last downward crossing (convergence) and first
    /// (onset) (`ThresholdCrossings`). Each root-function evaluation costs
    /// one all-states pass, plus `n - 1` warm-started maximum-entropy
    /// projections when the information is measured. Root returns do not
    /// change CVODE's steps, and the pass aims at the same end time with the
    /// same early stop as the first (the initial step depends on the end
    /// time), so it stops at the same step, `t_s`; `endpointDeviation`
    /// checks it.
    public static func solve(_ problem: OrderConvergenceProblem, method: GradientFlowMethod, stoppedAt stopTime: Double,
                             reason: FlowStopReason, finalParameters: [Double],
                             onStep: ((Double) throws -> Void)? = nil) throws -> OrderConvergence {
        let objective = problem.flow.objective
        let n = objective.target.spins
        // The same computation as the trajectory's samples (`ModelSnapshot`),
        // so that r_k is exactly 1 at the start and 0 at θ_∞ in both.
        let workspace = ObjectiveWorkspace(objective: objective, parallelism: method.parallelism)
        let initial = ModelSnapshot(free: problem.flow.initialParameters, workspace: workspace)
        let final = ModelSnapshot(free: finalParameters, workspace: workspace)
        let reference = OrderReference(target: objective.target, initialCouplings: initial.couplings,
                                       initialMoments: initial.moments, finalCouplings: final.couplings,
                                       trivialTolerance: problem.trivialTolerance)
        var information: InformationReference?
        if problem.measuresInformation {
            information = InformationReference(
                initial: try InformationTracker(spins: n).perOrder(logProbabilities: initial.logProbabilities, spins: n),
                final: try InformationTracker(spins: n).perOrder(logProbabilities: final.logProbabilities, spins: n),
                trivialTolerance: problem.trivialTolerance)
        }
        let couplingOrders = (0..<n).filter { !reference.trivialCouplingOrders[$0] }
        let momentOrders = (0..<n).filter { !reference.trivialMomentOrders[$0] }
        let tubeOrders = information.map { info in (0..<n).filter { !info.trivialOrders[$0] } } ?? []
        let progressOrders = information.map { info in (0..<n).filter { !info.trivialOnsetOrders[$0] } } ?? []
        let trivial = [[OrderTime]](repeating: Array(repeating: .trivial, count: problem.thresholds.count), count: n)
        let trivialOnsets = [[OrderTime]](repeating: Array(repeating: .trivial, count: problem.onsets.count), count: n)
        var couplingTimes = trivial, momentTimes = trivial, informationTimes = trivial
        var onsetTimes: [OrderMeasure: [[OrderTime]]] = [.couplings: trivialOnsets, .moments: trivialOnsets]
        if information != nil { onsetTimes[.information] = trivialOnsets }
        func result(rootCount: Int, statistics: SolverStatistics?, deviation: Double) -> OrderConvergence {
            OrderConvergence(thresholds: problem.thresholds, reference: reference, couplingTimes: couplingTimes,
                             momentTimes: momentTimes, informationTimes: information == nil ? nil : informationTimes,
                             information: information, onsets: problem.onsets, onsetTimes: onsetTimes, stopTime: stopTime,
                             stopReason: reason, rootCount: rootCount, statistics: statistics, endpointDeviation: deviation)
        }
        let distanceCount = couplingOrders.count + momentOrders.count + tubeOrders.count + progressOrders.count
        guard distanceCount > 0 else { return result(rootCount: 0, statistics: nil, deviation: 0) }

        // One list of levels for every distance: the thresholds ε, then the
        // onsets' 1 - f not already among them.
        var levels = problem.thresholds
        for f in problem.onsets where !levels.contains(1 - f) { levels.append(1 - f) }
        let thresholdLevels = problem.thresholds.map { levels.firstIndex(of: $0)! }
        let onsetLevels = problem.onsets.map { levels.firstIndex(of: 1 - $0)! }
        let tracker = problem.measuresInformation ? InformationTracker(spins: n) : nil
        let crossings = ThresholdCrossings(distanceCount: distanceCount, thresholds: levels) { y in
            let snapshot = ModelSnapshot(free: Array(y), workspace: workspace)
            let d = reference.distances(couplings: snapshot.couplings, moments: snapshot.moments)
            var out = couplingOrders.map { d.couplings[$0] } + momentOrders.map { d.moments[$0] }
            if let tracker, let information {
                let values = try tracker.perOrder(logProbabilities: snapshot.logProbabilities, spins: n)
                let tube = information.tubeDistances(values), progress = information.progressDistances(values)
                out += tubeOrders.map { tube[$0] } + progressOrders.map { progress[$0] }
            }
            return out
        }
        let flow = try GradientFlow(problem: problem.flow, method: method, roots: crossings.rootFunctions)
        try crossings.start(at: 0, state: problem.flow.initialParameters)
        try flow.integrate(until: problem.flow.endTime, afterStep: onStep,
                           onRoot: { t, directions in crossings.record(time: t, directions: directions) })
        let last = try crossings.times(at: flow.state)
        let first = crossings.firstTimes
        func reached(_ t: Double?) -> OrderTime { t.map(OrderTime.reached) ?? .notReached }
        var offset = 0
        func fill(_ orders: [Int], convergence: inout [[OrderTime]]) {
            for (i, k) in orders.enumerated() { convergence[k] = thresholdLevels.map { reached(last[offset + i][$0]) } }
            offset += orders.count
        }
        func fillOnsets(_ orders: [Int], _ measure: OrderMeasure) {
            for (i, k) in orders.enumerated() { onsetTimes[measure]![k] = onsetLevels.map { reached(first[offset + i][$0]) } }
            offset += orders.count
        }
        fill(couplingOrders, convergence: &couplingTimes)
        fill(momentOrders, convergence: &momentTimes)
        fill(tubeOrders, convergence: &informationTimes)
        fillOnsets(progressOrders, .information)
        // The couplings' and moments' onsets use the same distances as their
        // convergence times, at the levels 1 - f.
        offset = 0
        fillOnsets(couplingOrders, .couplings)
        fillOnsets(momentOrders, .moments)
        let deviation = flow.time == stopTime ? Vector.maxAbs(Vector.difference(flow.state, finalParameters)) : .infinity
        return result(rootCount: crossings.rootCount, statistics: flow.statistics, deviation: deviation)
    }
}
