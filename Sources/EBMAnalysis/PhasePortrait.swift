import EBMCore
import EBMLinearAlgebra

/// A line segment of a nullcline in plane coordinates.
public struct Segment: Sendable, Equatable {
    public let x0, y0, x1, y1: Double
}

/// The flow on a plane (docs/analyses.md, portrait): the projected vector field
/// `(u·(-∇L), v·(-∇L))` on a grid, the nullclines of both projected
/// components (vertices located to 1e-10 on a grid 4 times finer than the
/// field's), orbits integrated in the full space and projected.
public struct PhasePortrait: Sendable {
    public let plane: Plane
    public let xs: [Double]
    public let ys: [Double]
    /// `field[j][i] = (dx, dy)` at `(xs[i], ys[j])`.
    public let field: [[(dx: Double, dy: Double)]]
    /// Zero contours of dx (`.0`) and of dy (`.1`).
    public let nullclines: (x: [Segment], y: [Segment])
    /// One projected orbit per start: `(t, x, y)` samples.
    public let orbits: [[(t: Double, x: Double, y: Double)]]
    public let orbitFailures: [String]

    /// The projected field at every grid point.
    public static func field(objective: LearningObjective, plane: Plane, xs: [Double], ys: [Double]) -> [[(dx: Double, dy: Double)]] {
        field(objective: objective, plane: plane, xs: xs, ys: ys, afterRow: {})
    }

    /// The same, with `afterRow` run after each row (a stop check: a
    /// portrait's nullclines evaluate the field on a grid sixteen times as
    /// large).
    static func field(objective: LearningObjective, plane: Plane, xs: [Double], ys: [Double],
                      afterRow: () throws -> Void) rethrows -> [[(dx: Double, dy: Double)]] {
        try ys.map { y in
            let row = xs.map { x in
                let flow = objective.evaluate(plane.point(x, y)).gradient.map { -$0 }
                return (Vector.dot(flow, plane.u), Vector.dot(flow, plane.v))
            }
            try afterRow()
            return row
        }
    }

    /// Marching squares on a grid function: segments where it changes sign,
    /// with linear interpolation along cell edges (saddle cells split by the
    /// cell-centre value), or with `root(a, b)` locating the zero on the
    /// edge from corner a to corner b (each `(x, y, f)`, signs differing).
    public static func zeroContour(_ f: [[Double]], xs: [Double], ys: [Double],
                                   root: (((Double, Double, Double), (Double, Double, Double)) -> (Double, Double))? = nil) -> [Segment] {
        var segments: [Segment] = []
        for j in 0..<(ys.count - 1) {
            for i in 0..<(xs.count - 1) {
                // Corners counter-clockwise from (i, j).
                let corners = [(xs[i], ys[j], f[j][i]), (xs[i + 1], ys[j], f[j][i + 1]),
                               (xs[i + 1], ys[j + 1], f[j + 1][i + 1]), (xs[i], ys[j + 1], f[j + 1][i])]
                var crossings: [(Double, Double)] = []
                for k in 0..<4 {
                    let (xa, ya, fa) = corners[k], (xb, yb, fb) = corners[(k + 1) % 4]
                    if (fa < 0) != (fb < 0) {
                        if let root {
                            crossings.append(root(corners[k], corners[(k + 1) % 4]))
                        } else {
                            let s = fa / (fa - fb)
                            crossings.append((xa + s * (xb - xa), ya + s * (yb - ya)))
                        }
                    }
                }
                if crossings.count == 2 {
                    segments.append(Segment(x0: crossings[0].0, y0: crossings[0].1, x1: crossings[1].0, y1: crossings[1].1))
                } else if crossings.count == 4 {
                    let centre = corners.map(\.2).reduce(0, +) / 4
                    // Pair crossings so that the segments separate the corners whose sign differs from the centre.
                    let pairs = (centre < 0) == (corners[0].2 < 0) ? [(0, 1), (2, 3)] : [(1, 2), (3, 0)]
                    for (a, b) in pairs {
                        segments.append(Segment(x0: crossings[a].0, y0: crossings[a].1, x1: crossings[b].0, y1: crossings[b].1))
                    }
                }
            }
        }
        return segments
    }

    /// The zero on the segment from a to b (`(x, y, g)`, g of opposite
    /// signs at the ends) of `g(t) = component(a + t (b - a))`: the
    /// Illinois variant of regula falsi, kept bracketing, until `|g| ≤
    /// tolerance` at a point whose bracket is shorter than `distance` on
    /// the plane (the root lies in the bracket, so the point is within
    /// `distance` of the nullcline: a small residual alone does not bound
    /// the distance where the component is flat), or the bracket is a few
    /// ulps wide.
    static func edgeRoot(_ a: (Double, Double, Double), _ b: (Double, Double, Double), tolerance: Double,
                         distance: Double, component: (Double, Double) -> Double) -> (Double, Double) {
        var (t0, g0) = (0.0, a.2), (t1, g1) = (1.0, b.2)
        func point(_ t: Double) -> (Double, Double) { (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)) }
        let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
        var side = 0
        for _ in 0..<200 {
            var t = (t0 * g1 - t1 * g0) / (g1 - g0)
            if !(t > t0 && t < t1) { t = 0.5 * (t0 + t1) }
            let (x, y) = point(t)
            let g = component(x, y)
            if g == 0 || t1 - t0 <= 4 * Double.ulpOfOne { return (x, y) }
            if (g < 0) == (g0 < 0) {
                (t0, g0) = (t, g)
                if side == -1 { g1 /= 2 }
                side = -1
            } else {
                (t1, g1) = (t, g)
                if side == 1 { g0 /= 2 }
                side = 1
            }
            if abs(g) <= tolerance && (t1 - t0) * length <= distance { return (x, y) }
        }
        let t = abs(g0) < abs(g1) ? t0 : t1
        return point(t)
    }

    /// The nullclines of both projected components, `u·(-∇L) = 0` and
    /// `v·(-∇L) = 0`: marching squares on the field grid refined
    /// `subdivision` times per cell, each edge crossing then located on
    /// its edge by root finding to `|component| ≤ tolerance` and within
    /// `distance` of the root on the plane (so every vertex written lies on
    /// the nullcline; segments are chords between them).
    public static func nullclines(objective: LearningObjective, plane: Plane, xs: [Double], ys: [Double],
                                  subdivision: Int = 4, tolerance: Double = 1e-10,
                                  distance: Double = 1e-10) -> (x: [Segment], y: [Segment]) {
        nullclines(objective: objective, plane: plane, xs: xs, ys: ys, subdivision: subdivision, tolerance: tolerance,
                   distance: distance, afterRow: {})
    }

    /// The same, with `afterRow` run after each row of the refined field.
    static func nullclines(objective: LearningObjective, plane: Plane, xs: [Double], ys: [Double],
                           subdivision: Int = 4, tolerance: Double = 1e-10,
                           distance: Double = 1e-10, afterRow: () throws -> Void) rethrows -> (x: [Segment], y: [Segment]) {
        func refined(_ axis: [Double]) -> [Double] {
            guard axis.count > 1, subdivision > 1 else { return axis }
            var values: [Double] = []
            for k in 0..<(axis.count - 1) {
                for s in 0..<subdivision { values.append(axis[k] + (axis[k + 1] - axis[k]) * Double(s) / Double(subdivision)) }
            }
            values.append(axis[axis.count - 1])
            return values
        }
        let fxs = refined(xs), fys = refined(ys)
        let f = try field(objective: objective, plane: plane, xs: fxs, ys: fys, afterRow: afterRow)
        func component(_ direction: [Double]) -> (Double, Double) -> Double {
            { x, y in -Vector.dot(objective.evaluate(plane.point(x, y)).gradient, direction) }
        }
        let gx = component(plane.u), gy = component(plane.v)
        let nullX = zeroContour(f.map { $0.map(\.dx) }, xs: fxs, ys: fys) {
            edgeRoot($0, $1, tolerance: tolerance, distance: distance, component: gx)
        }
        let nullY = zeroContour(f.map { $0.map(\.dy) }, xs: fxs, ys: fys) {
            edgeRoot($0, $1, tolerance: tolerance, distance: distance, component: gy)
        }
        return (nullX, nullY)
    }

    public static func compute(objective: LearningObjective, method: GradientFlowMethod, plane: Plane, xs: [Double], ys: [Double],
                               orbitStarts: [(x: Double, y: Double)], orbitTime: Double, orbitSamples: Int = 100,
                               stop: StopCondition = .never, progress: ((String) -> Void)? = nil) throws -> PhasePortrait {
        let f = try field(objective: objective, plane: plane, xs: xs, ys: ys) { try stop.check("portrait") }
        progress?("portrait: nullclines")
        let (nullX, nullY) = try nullclines(objective: objective, plane: plane, xs: xs, ys: ys) { try stop.check("portrait") }
        var orbits: [[(t: Double, x: Double, y: Double)]] = []
        var failures: [String] = []
        let sampling = TrajectorySampling(count: orbitSamples, spacing: .logarithmic(firstTime: orbitTime * 1e-6))
        for (k, start) in orbitStarts.enumerated() {
            try stop.check("portrait")
            progress?("portrait: orbit \(k + 1) of \(orbitStarts.count)")
            let problem = GradientFlowProblem(objective: objective, initialParameters: plane.point(start.x, start.y), endTime: orbitTime)
            do {
                let trajectory = try GradientFlow(problem: problem, method: method).sampledTrajectory(sampling) { _ in
                    try stop.check("portrait")
                }
                orbits.append(trajectory.samples.map { sample in
                    let c = plane.coordinates(of: objective.freeParameters(sample.parameters))
                    return (sample.time, c.x, c.y)
                })
            } catch let interrupted as AnalysisInterrupted {
                throw interrupted
            } catch {
                failures.append("orbit from (\(start.x), \(start.y)): \(error)")
            }
        }
        return PhasePortrait(plane: plane, xs: xs, ys: ys, field: f, nullclines: (nullX, nullY), orbits: orbits, orbitFailures: failures)
    }
}
