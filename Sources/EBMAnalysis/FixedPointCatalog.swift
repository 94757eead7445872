import EBMCore
import EBMLinearAlgebra

/// The fixed points found so far, in the order they were added: each once
/// modulo symmetry, and each non-isolated set once — points with the same
/// effective model, kind and Hessian inertia that have neutral directions
/// (a manifold of fixed points, such as an RBM's `W = 0`, any `b`) are one
/// entry whose `members` counts the points found on it. Entries with the
/// same effective model share a group.
public struct FixedPointCatalog: Sendable {
    public private(set) var points: [FixedPoint] = []
    /// `groups[i]`: the effective-model group of `points[i]` (0-based, in
    /// order of first appearance).
    public private(set) var groups: [Int] = []
    /// `members[i]`: how many found points were merged into entry i.
    public private(set) var members: [Int] = []
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
            return point.neutral > 0 && existing.stable == point.stable && existing.neutral == point.neutral
                && existing.unstable == point.unstable && Self.distance(existing.couplings, point.couplings) <= couplingTolerance
        }
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
            let methods = Set(points[existing].foundBy.split(separator: "+").map(String.init))
            if !methods.contains(point.foundBy) { points[existing].foundBy += "+" + point.foundBy }
            return (existing, false)
        }
        let group = self.group(ofCouplings: point.couplings) ?? groupCount
        points.append(point)
        groups.append(group)
        members.append(1)
        return (points.count - 1, true)
    }

    static func distance(_ x: [Double], _ y: [Double]) -> Double {
        Vector.norm(Vector.difference(x, y))
    }
}
