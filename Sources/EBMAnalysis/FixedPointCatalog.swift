import EBMCore
import EBMLinearAlgebra

/// The fixed points found so far, in the order they were added: each once
/// modulo symmetry, and each non-isolated set once — points of one kind
/// with the same effective model that both have neutral directions (a
/// manifold of fixed points, such as an RBM's `W = 0`, any `b`) are one
/// entry whose `members` counts the points found on it. A set's inertia
/// varies along it: `inertia[i]` holds its members' range, the entry is a
/// saddle if any member is, and its representative is the least saturated
/// member (smallest `|θ|`). Entries with the same effective model share a
/// group.
public struct FixedPointCatalog: Sendable {
    public private(set) var points: [FixedPoint] = []
    /// `groups[i]`: the effective-model group of `points[i]` (0-based, in
    /// order of first appearance).
    public private(set) var groups: [Int] = []
    /// `members[i]`: how many found points were merged into entry i.
    public private(set) var members: [Int] = []
    /// `inertia[i]`: the range of the members' inertia.
    public private(set) var inertia: [InertiaRange] = []
    /// Two canonical forms closer than `parameterTolerance · max(1, |θ|)` are one point.
    public let parameterTolerance: Double
    /// Two points whose couplings are closer than this have the same effective model.
    public var couplingTolerance: Double

    public init(parameterTolerance: Double = 1e-6, couplingTolerance: Double = 1e-6) {
        self.parameterTolerance = parameterTolerance
        self.couplingTolerance = couplingTolerance
    }

    public var groupCount: Int { (groups.max() ?? -1) + 1 }

    /// The index of the entry equal to `point` modulo symmetry, or of the
    /// non-isolated set it lies on, if any.
    public func index(of point: FixedPoint) -> Int? {
        points.firstIndex { existing in
            guard existing.kind == point.kind else { return false }
            if Self.distance(existing.canonicalParameters, point.canonicalParameters)
                <= parameterTolerance * max(1, Vector.norm(point.canonicalParameters)) {
                return true
            }
            return point.neutral > 0 && existing.neutral > 0 && Self.distance(existing.couplings, point.couplings) <= couplingTolerance
        }
    }

    /// Entry i's type: a saddle if any of its members is, else its representative's.
    public func type(_ i: Int) -> FixedPointType {
        inertia[i].hasSaddle ? .saddle : points[i].type
    }

    /// The index of a catalog entry whose canonical parameters are within
    /// tolerance of θ's canonical form (for labelling end points).
    public func index(ofCanonical canonical: [Double]) -> Int? {
        points.firstIndex { Self.distance($0.canonicalParameters, canonical) <= parameterTolerance * max(1, Vector.norm(canonical)) }
    }

    /// The effective-model group whose couplings are within tolerance.
    public func group(ofCouplings couplings: [Double]) -> Int? {
        zip(points, groups).first { Self.distance($0.0.couplings, couplings) <= couplingTolerance }?.1
    }

    /// Adds `point` unless it is already there (then the existing entry also
    /// records this way of finding it). Returns its index and whether it is new.
    @discardableResult
    public mutating func insert(_ point: FixedPoint) -> (index: Int, isNew: Bool) {
        if let existing = index(of: point) {
            members[existing] += 1
            inertia[existing].include(point)
            let methods = Set(points[existing].foundBy.split(separator: "+").map(String.init))
            var foundBy = points[existing].foundBy
            if !methods.contains(point.foundBy) { foundBy += "+" + point.foundBy }
            if Vector.norm(point.canonicalParameters) < Vector.norm(points[existing].canonicalParameters) {
                points[existing] = point
            }
            points[existing].foundBy = foundBy
            return (existing, false)
        }
        let group = self.group(ofCouplings: point.couplings) ?? groupCount
        points.append(point)
        groups.append(group)
        members.append(1)
        inertia.append(InertiaRange(point))
        return (points.count - 1, true)
    }

    static func distance(_ x: [Double], _ y: [Double]) -> Double {
        Vector.norm(Vector.difference(x, y))
    }
}

/// The inertia of a set's members: the least and most stable, neutral and
/// unstable directions among them, and whether one was a saddle.
public struct InertiaRange: Sendable, Equatable {
    public private(set) var stable: ClosedRange<Int>
    public private(set) var neutral: ClosedRange<Int>
    public private(set) var unstable: ClosedRange<Int>
    public private(set) var hasSaddle: Bool

    init(_ point: FixedPoint) {
        stable = point.stable...point.stable
        neutral = point.neutral...point.neutral
        unstable = point.unstable...point.unstable
        hasSaddle = point.type == .saddle
    }

    mutating func include(_ point: FixedPoint) {
        func widened(_ range: ClosedRange<Int>, _ value: Int) -> ClosedRange<Int> {
            min(range.lowerBound, value)...max(range.upperBound, value)
        }
        stable = widened(stable, point.stable)
        neutral = widened(neutral, point.neutral)
        unstable = widened(unstable, point.unstable)
        hasSaddle = hasSaddle || point.type == .saddle
    }

    /// `s/n/u`, or ranges `s0-s1/n0-n1/u0-u1` where the members differ.
    public var text: String {
        func part(_ r: ClosedRange<Int>) -> String { r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)-\(r.upperBound)" }
        return "\(part(stable))/\(part(neutral))/\(part(unstable))"
    }
}
