import EBMLinearAlgebra
import Foundation

/// A curve of folds or of branch points of `F(x, λ, μ) = 0` in the plane of
/// both parameters, found by `specialCurve(through:of:at:firstRange:secondRange:method:shouldStop:)`,
/// with the points where it ends or degenerates.
public struct SpecialCurve: Sendable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case fold
        case branchPoint
    }

    /// One corrected point of the curve.
    public struct Point: Sendable, Equatable {
        public let x: [Double]
        public let first: Double
        public let second: Double
        /// Branch-point curves: the unfolding `β` of `F + βψ₀ = 0`, zero on a
        /// true branch point (nil on fold curves).
        public let unfolding: Double?
    }

    /// What happens at a codimension-two point of a curve.
    public enum EventKind: String, Sendable, Equatable, CaseIterable {
        /// The fold's quadratic coefficient `a = ⟨ψ, F_xx[φ, φ]⟩` vanishes:
        /// two fold curves meet in a cusp.
        case cusp
        /// The curve reaches the edge of the `λ` or `μ` range (or domain).
        case edge
        /// The curve stops for another reason (`Event.reason`).
        case end
    }

    public struct Event: Sendable, Equatable {
        public let kind: EventKind
        public let x: [Double]
        public let first: Double
        public let second: Double
        /// Whether the point was located to the method's tolerance (cusps);
        /// ends and edges are computed points.
        public let isLocated: Bool
        /// Why an `.end` ended (`stepTooSmall`, `maxPoints`, a failure, or the
        /// branch point unfolding), or which edge an `.edge` is on.
        public let reason: String
    }

    public let kind: Kind
    /// From one end to the other, through the starting special point.
    public let points: [Point]
    /// Cusps in order along the curve, then the two ends.
    public let events: [Event]
}

/// Follows a fold or branch point of `F(x, λ, μ₀) = 0` (a special point of
/// a `λ`-branch computed on `FirstParameterSlice(system, second: μ₀)`) as a
/// curve in `(λ, μ)`, both ways, by pseudo-arclength continuation in `μ` of
/// a minimally augmented system (docs/analyses.md, Continuation):
///
///     fold:          F(x, λ, μ) = 0,          σ(x, λ, μ) = 0
///     branch point:  F(x, λ, μ) + β ψ₀ = 0,   σ(x, λ, μ) = 0,   wᵀ F_λ = 0
///
/// where `[[F_x, ψ₀], [φ₀ᵀ, 0]] (v, σ) = (0, 1)` and
/// `[[F_xᵀ, φ₀], [ψ₀ᵀ, 0]] (w, σ') = (0, 1)`, `φ₀`, `ψ₀` the right and left
/// null vectors of `F_x` at the start. `σ` vanishes exactly where `F_x` is
/// singular; `w` is then its left null vector, and `wᵀ F_λ = 0` says
/// `[F_x | F_λ]` has a two-dimensional kernel. A branch point that exists
/// for a symmetry keeps `β = 0` along its curve; a branch point without one
/// is isolated in two parameters, `β` leaves zero at once, and the curve
/// ends (`.end`, "unfolds").
///
/// `σ`'s and `wᵀ F_λ`'s derivatives are central differences (one-sided at a
/// domain's edge); the corrector converges on the exact functions, so the
/// points are accurate to `correctorTolerance` in `σ`. Cusps are sign
/// changes of `a = wᵀ F_xx[v, v]` (by a central difference of `F_x`) along
/// a fold curve, located like other special points. Each half ends on the
/// edge of `firstRange` or `secondRange` (the point placed on it).
///
/// - Throws: `ContinuationError.stopped` when `shouldStop` says so;
///   `ContinuationError.notABranchPoint` for a special point that is neither
///   a fold nor a branch point. A start that cannot be corrected gives a
///   curve of no points with one `.end` event saying so.
public func specialCurve(through special: SpecialPoint, of system: any TwoParameterSystem, at second: Double,
                         firstRange: ClosedRange<Double>, secondRange: ClosedRange<Double>,
                         method: PseudoArclength, shouldStop: () -> Bool = { false }) throws -> SpecialCurve {
    let kind: SpecialCurve.Kind
    switch special.kind {
    case .fold: kind = .fold
    case .branchPoint: kind = .branchPoint
    default: throw ContinuationError.notABranchPoint(special.kind)
    }
    let n = system.dimension
    func ended(_ reason: String) -> SpecialCurve {
        SpecialCurve(kind: kind, points: [], events: [SpecialCurve.Event(
            kind: .end, x: special.x, first: special.parameter, second: second, isLocated: false, reason: reason)])
    }
    let fx: Matrix
    do {
        fx = try system.jacobian(special.x, first: special.parameter, second: second)
    } catch {
        return ended("\(error)")
    }
    let φ0 = unit(try ContinuationEngine.smallestRightSingularVector(fx))
    let ψ0 = system.isSymmetric ? φ0 : unit(try ContinuationEngine.smallestRightSingularVector(transpose(fx)))
    let defining = CurveDefiningSystem(system, kind: kind, right: φ0, left: ψ0)
    let start = special.x + [special.parameter] + (kind == .branchPoint ? [0] : [])

    var halves: [Branch] = []
    for direction in [ContinuationProblem.Direction.decreasing, .increasing] {
        let problem: ContinuationProblem
        do {
            problem = try ContinuationProblem(system: defining, start: start, parameter: second, parameterRange: secondRange,
                                              direction: direction, componentBounds: [n: firstRange])
        } catch {
            return ended("\(error)")
        }
        do {
            halves.append(try continuation(problem, method, shouldStop: shouldStop))
        } catch let error as ContinuationError where error == .stopped {
            throw error
        } catch {
            return ended("the curve could not start: \(error)")
        }
    }
    return defining.assemble(halves, method: method)
}

private func unit(_ v: [Double]) -> [Double] {
    let norm = Vector.norm(v)
    let k = v.indices.max { abs(v[$0]) < abs(v[$1]) } ?? 0
    let sign: Double = v.isEmpty || v[k] >= 0 ? 1 : -1
    return v.map { sign * $0 / norm }
}

private func transpose(_ a: Matrix) -> Matrix {
    var t = Matrix(rows: a.columns, columns: a.rows)
    for i in 0..<a.rows { for j in 0..<a.columns { t[j, i] = a[i, j] } }
    return t
}

/// The minimally augmented system of `specialCurve` as a one-parameter
/// system in `μ`: state `y = (x, λ)` (folds) or `(x, λ, β)` (branch points).
final class CurveDefiningSystem: BoundedParameterSystem {
    let base: any TwoParameterSystem
    let kind: SpecialCurve.Kind
    let n: Int
    let right: [Double]
    let left: [Double]

    init(_ base: any TwoParameterSystem, kind: SpecialCurve.Kind, right: [Double], left: [Double]) {
        self.base = base
        self.kind = kind
        self.n = base.dimension
        self.right = right
        self.left = left
    }

    var dimension: Int { kind == .fold ? n + 1 : n + 2 }
    var parameterDomain: ClosedRange<Double> { base.secondDomain }

    private func parts(_ y: [Double]) throws -> (x: [Double], λ: Double, β: Double) {
        let λ = y[n]
        guard base.firstDomain.contains(λ) else {
            throw CorrectorBreakdown(reason: "λ = \(λ) lies outside the first parameter's domain")
        }
        return (Array(y[0..<n]), λ, kind == .branchPoint ? y[n + 1] : 0)
    }

    /// `(v, σ)` and `w` of the bordered systems at `(x, λ, μ)`.
    func bordered(_ x: [Double], _ λ: Double, _ μ: Double) throws -> (v: [Double], σ: Double, w: [Double]) {
        let fx = try base.jacobian(x, first: λ, second: μ)
        var m = Matrix(rows: n + 1, columns: n + 1)
        var mt = Matrix(rows: n + 1, columns: n + 1)
        for j in 0..<n {
            for i in 0..<n {
                m[i, j] = fx[i, j]
                mt[i, j] = fx[j, i]
            }
            m[j, n] = left[j]
            m[n, j] = right[j]
            mt[j, n] = right[j]
            mt[n, j] = left[j]
        }
        var e = [Double](repeating: 0, count: n + 1)
        e[n] = 1
        let vσ = try LAPACK.solve(m, e)
        let w = try LAPACK.solve(mt, e)
        guard vσ.allSatisfy(\.isFinite), w.allSatisfy(\.isFinite) else {
            throw CorrectorBreakdown(reason: "singular bordered matrix")
        }
        return (Array(vσ[0..<n]), vσ[n], Array(w[0..<n]))
    }

    /// The test functions: `σ`, and `wᵀ F_λ` for branch points.
    func tests(_ x: [Double], _ λ: Double, _ μ: Double) throws -> [Double] {
        let b = try bordered(x, λ, μ)
        if kind == .fold { return [b.σ] }
        return [b.σ, Vector.dot(b.w, try base.firstDerivative(x, first: λ, second: μ))]
    }

    func residual(_ y: [Double], parameter μ: Double) throws -> [Double] {
        let (x, λ, β) = try parts(y)
        var f = try base.residual(x, first: λ, second: μ)
        if kind == .branchPoint { for i in 0..<n { f[i] += β * left[i] } }
        return f + (try tests(x, λ, μ))
    }

    /// Central difference of the tests in coordinate `i` of `(x, λ, μ)`
    /// (one-sided where a step would leave a domain).
    private func testDerivative(_ z: [Double], _ i: Int) throws -> [Double] {
        let h = 1e-6 * max(1, abs(z[i]))
        let domain: ClosedRange<Double> = i == n ? base.firstDomain : (i == n + 1 ? base.secondDomain : -Double.infinity...Double.infinity)
        func at(_ δ: Double) throws -> [Double] {
            var p = z
            p[i] += δ
            return try tests(Array(p[0..<n]), p[n], p[n + 1])
        }
        let up = domain.contains(z[i] + h), down = domain.contains(z[i] - h)
        let (a, b, width) = up && down ? (try at(h), try at(-h), 2 * h) : (up ? (try at(h), try at(0), h) : (try at(0), try at(-h), h))
        return zip(a, b).map { ($0 - $1) / width }
    }

    func jacobian(_ y: [Double], parameter μ: Double) throws -> Matrix {
        let (x, λ, _) = try parts(y)
        let fx = try base.jacobian(x, first: λ, second: μ)
        let fλ = try base.firstDerivative(x, first: λ, second: μ)
        let m = dimension
        var j = Matrix(rows: m, columns: m)
        for c in 0..<n { for r in 0..<n { j[r, c] = fx[r, c] } }
        for r in 0..<n { j[r, n] = fλ[r] }
        if kind == .branchPoint { for r in 0..<n { j[r, n + 1] = left[r] } }
        let z = x + [λ, μ]
        for c in 0...n {
            let d = try testDerivative(z, c)
            for (k, value) in d.enumerated() { j[n + k, c] = value }
        }
        return j
    }

    func parameterDerivative(_ y: [Double], parameter μ: Double) throws -> [Double] {
        let (x, λ, _) = try parts(y)
        return try base.secondDerivative(x, first: λ, second: μ) + testDerivative(x + [λ, μ], n + 1)
    }

    /// `a = wᵀ F_xx[v, v]`, by a central difference of `F_x` along `v`.
    func cuspTest(_ z: [Double]) throws -> Double {
        let x = Array(z[0..<n]), λ = z[n], μ = z[dimension]
        let b = try bordered(x, λ, μ)
        let ε = 1e-5 / max(Vector.norm(b.v), 1e-300)
        let plus = try base.jacobian(zip(x, b.v).map { $0 + ε * $1 }, first: λ, second: μ)
        let minus = try base.jacobian(zip(x, b.v).map { $0 - ε * $1 }, first: λ, second: μ)
        var a = 0.0
        for i in 0..<n {
            var row = 0.0
            for j in 0..<n { row += (plus[i, j] - minus[i, j]) * b.v[j] }
            a += b.w[i] * row / (2 * ε)
        }
        return a
    }

    /// Joins the two halves (the decreasing one reversed), cuts a
    /// branch-point curve where `β` leaves zero, and lists its events.
    func assemble(_ halves: [Branch], method: PseudoArclength) -> SpecialCurve {
        let unfoldingTolerance = 1e3 * method.correctorTolerance
        func point(_ p: Branch.Point) -> SpecialCurve.Point {
            SpecialCurve.Point(x: Array(p.x[0..<n]), first: p.x[n], second: p.parameter,
                               unfolding: kind == .branchPoint ? p.x[n + 1] : nil)
        }
        var events: [SpecialCurve.Event] = []
        var sides: [[SpecialCurve.Point]] = []
        var ends: [SpecialCurve.Event] = []
        var cuspsBySide: [[SpecialCurve.Event]] = []
        for branch in halves {
            var kept = branch.points
            var reason: String
            var edge = false
            if let cut = kept.firstIndex(where: { kind == .branchPoint && abs($0.x[n + 1]) > unfoldingTolerance }) {
                kept = Array(kept[..<cut])
                reason = "unfolds: β leaves 0 (no symmetry keeps this branch point in two parameters)"
            } else {
                switch branch.status {
                case .reachedBound:
                    edge = true
                    let last = branch.points.last!
                    let secondEdge = branch.problem.parameterRange.lowerBound == last.parameter
                        || branch.problem.parameterRange.upperBound == last.parameter
                    reason = secondEdge ? "second parameter = \(last.parameter)" : "first parameter = \(last.x[n])"
                case .failed: reason = "failed: \(branch.failure ?? "")"
                default: reason = branch.status.rawValue
                }
            }
            var cusps: [SpecialCurve.Event] = []
            if kind == .fold, kept.count >= 2 {
                let engine = ContinuationEngine(system: self, method: method)
                for k in 1..<kept.count {
                    let a = kept[k - 1], b = kept[k]
                    guard let d = b.stepDirection,
                          let ga = try? cuspTest(a.x + [a.parameter]), let gb = try? cuspTest(b.x + [b.parameter]),
                          (ga < 0) != (gb < 0), ga != 0 else { continue }
                    let za = a.x + [a.parameter], zb = b.x + [b.parameter]
                    guard let location = try? engine.locateRoot(of: { try self.cuspTest($0) }, from: za, to: zb, along: d,
                                                                length: b.arclength - a.arclength) else { continue }
                    let z = location.z
                    cusps.append(SpecialCurve.Event(kind: .cusp, x: Array(z[0..<n]), first: z[n], second: z[dimension],
                                                    isLocated: location.converged, reason: ""))
                }
            }
            cuspsBySide.append(cusps)
            sides.append(kept.map(point))
            if let last = kept.last {
                ends.append(SpecialCurve.Event(kind: edge ? .edge : .end, x: Array(last.x[0..<n]), first: last.x[n],
                                               second: last.parameter, isLocated: false, reason: reason))
            }
        }
        // The decreasing half runs backwards from its end to the start; the
        // increasing half repeats the start, which is dropped.
        var points = Array(sides[0].reversed())
        if sides.count > 1 { points += sides[1].dropFirst(points.isEmpty ? 0 : 1) }
        events += cuspsBySide[0].reversed()
        if cuspsBySide.count > 1 { events += cuspsBySide[1] }
        events += ends
        return SpecialCurve(kind: kind, points: points, events: events)
    }
}
