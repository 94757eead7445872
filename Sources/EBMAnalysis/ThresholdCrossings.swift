import EBMSolvers

/// `t_i(ε) = inf{ t : f_i(y(t')) ≤ ε for all t' ≥ t }` for non-negative
/// distance functions `f_i` and thresholds `ε`, found by CVODE root finding
/// on `g_{i,ε}(t, y) = f_i(y) - ε`, never by reading a sampled grid.
///
/// One root function per (distance, threshold) pair, distance-major:
/// `g[i * thresholds.count + j] = f_i - ε_j`. The time is the last downward
/// crossing: a downward root (`g` falls through 0) sets it, an upward root
/// clears it, and it stands if `g` is still negative at the end. Roots are
/// located on each step's interpolating polynomial to CVODE's root tolerance
/// (about `100 u (|t| + |h|)`); a crossing pair inside one step, where `g`
/// has the same sign at both ends, is not seen (as with any root finder).
/// A distance evaluated with rounding noise (the information's iterative
/// projections) can make CVODE's root search see no sign change where `g`
/// crossed 0 (a value re-evaluated near the root lands on the other side),
/// so a distance may end below `ε` with its last downward crossing
/// unreported: its time is then the last time `g` was evaluated above 0,
/// which CVODE's steps and root searches bracket to within one step (near
/// the root, to the root tolerance).
///
/// The first downward crossing is kept as well (`firstTimes`): the onset
/// `inf{ t : f_i(y(t)) ≤ ε }`, the first time a distance gets within `ε`.
///
/// Use: pass `rootFunctions` to the integrator, call `start(at:)` with the
/// initial state, `record` at every root return, `times(at:)` with the
/// final state.
public final class ThresholdCrossings {
    public let distanceCount: Int
    public let thresholds: [Double]
    /// `y -> (f_1(y), ..., f_m(y))`.
    let distances: (UnsafeBufferPointer<Double>) throws -> [Double]
    /// The last downward crossing of each root function, while it holds.
    private var lastDownward: [Double?]
    /// The first downward crossing of each root function (or `t0` when it
    /// starts below), kept whatever follows.
    private var firstDownward: [Double?]
    /// The latest time each root function was evaluated above 0.
    private var lastAbove: [Double?]
    /// The earliest time each root function was evaluated below 0.
    private var firstBelow: [Double?]
    public private(set) var rootCount = 0

    public init(distanceCount: Int, thresholds: [Double],
                distances: @escaping (UnsafeBufferPointer<Double>) throws -> [Double]) {
        precondition(distanceCount >= 1 && !thresholds.isEmpty, "need at least one distance and one threshold")
        self.distanceCount = distanceCount
        self.thresholds = thresholds
        self.distances = distances
        self.lastDownward = [Double?](repeating: nil, count: distanceCount * thresholds.count)
        self.firstDownward = lastDownward
        self.lastAbove = lastDownward
        self.firstBelow = lastDownward
    }

    /// `g = f_i - ε_j` for CVODE (`CVRootFn`).
    public var rootFunctions: RootFunctions {
        RootFunctions(count: distanceCount * thresholds.count) { [self] t, y, g in
            let v = try values(y)
            for k in v.indices {
                if v[k] > 0 { lastAbove[k] = max(lastAbove[k] ?? t, t) }
                if v[k] < 0 { firstBelow[k] = min(firstBelow[k] ?? t, t) }
            }
            _ = g.update(from: v)
        }
    }

    /// The signs at the initial time `t0`: a function already below its
    /// threshold there has time `t0` until it rises through it.
    public func start(at t0: Double, state y0: [Double]) throws {
        let g = try values(y0)
        lastDownward = g.map { $0 < 0 ? t0 : nil }
        firstDownward = lastDownward
        lastAbove = g.map { $0 > 0 ? t0 : nil }
        firstBelow = lastDownward
        rootCount = 0
    }

    /// A root return of the integrator at `t`.
    public func record(time t: Double, directions: [Int32]) {
        precondition(directions.count == lastDownward.count, "expected \(lastDownward.count) root directions")
        for (k, direction) in directions.enumerated() where direction != 0 {
            lastDownward[k] = direction < 0 ? t : nil
            if direction < 0 && firstDownward[k] == nil { firstDownward[k] = t }
            rootCount += 1
        }
    }

    /// `times[i][j] = t_i(ε_j)`, or nil where `f_i` ends above `ε_j` (the
    /// signs at the final state decide, so that a root CVODE did not report
    /// as such cannot leave a stale time; ending below with its last
    /// downward crossing unreported, the time is the last evaluation above).
    public func times(at finalState: [Double]) throws -> [[Double?]] {
        let g = try values(finalState)
        return (0..<distanceCount).map { i in
            (0..<thresholds.count).map { j in
                let k = i * thresholds.count + j
                return g[k] < 0 ? (lastDownward[k] ?? lastAbove[k]) : nil
            }
        }
    }

    /// `firstTimes[i][j] = inf{ t : f_i(y(t)) ≤ ε_j }`: the first downward
    /// crossing, or nil where `f_i` never got within `ε_j`. A first crossing
    /// CVODE did not report (noise near the root, as for `times(at:)`) is
    /// bounded by the first evaluation below: the earlier of the two counts.
    public var firstTimes: [[Double?]] {
        (0..<distanceCount).map { i in
            (0..<thresholds.count).map { j in
                let k = i * thresholds.count + j
                switch (firstDownward[k], firstBelow[k]) {
                case let (root?, below?): return min(root, below)
                case let (root, below): return root ?? below
                }
            }
        }
    }

    /// `f_i - ε_j`, with an exact 0 (`f_i = ε_j`, which counts as within
    /// ε) moved one ulp of ε below: CVODE stops with "root found at and very
    /// near t" when a root function is exactly 0 both at a root it has just
    /// located and a rounding step later, which a slowly moving state can
    /// produce (and a subnormal would underflow in its sign tests).
    private func values(_ y: UnsafeBufferPointer<Double>) throws -> [Double] {
        try distances(y).flatMap { value in
            thresholds.map { epsilon in
                let g = value - epsilon
                return g == 0 ? -max(epsilon.ulp, Double.leastNormalMagnitude) : g
            }
        }
    }

    private func values(_ y: [Double]) throws -> [Double] {
        try y.withUnsafeBufferPointer { try values($0) }
    }
}
