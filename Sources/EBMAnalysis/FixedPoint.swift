import EBMCore
import EBMLinearAlgebra

/// Tolerances that classify a fixed point (docs/design.md, Fixed points).
public struct ClassificationTolerances: Sendable, Equatable {
    /// `max_a |m_a(p_θ) - m_a(q)| <= dataConsistency` ⇒ data-consistent.
    public var dataConsistency: Double
    /// `|λ| <= eigenvalue` ⇒ neutral direction.
    public var eigenvalue: Double

    public init(dataConsistency: Double = 1e-6, eigenvalue: Double = 1e-8) {
        precondition(dataConsistency > 0 && eigenvalue > 0, "tolerances must be positive")
        self.dataConsistency = dataConsistency
        self.eigenvalue = eigenvalue
    }
}

/// Data-consistent, spurious, or a point at infinity approached by an
/// escaping trajectory.
public enum FixedPointKind: String, Codable, Sendable {
    case dataConsistent = "data-consistent"
    case spurious
    case asymptotic
}

/// From the Hessian's inertia: `sink` (all directions stable), `source`
/// (all unstable), `saddle` (stable and unstable ones), `degenerate`
/// (neutral directions and no instability on one side: a non-isolated
/// minimum, maximum or a higher-order point).
public enum FixedPointType: String, Codable, Sendable {
    case sink, source, saddle, degenerate

    public init(stable: Int, neutral: Int, unstable: Int) {
        if unstable > 0 && stable > 0 { self = .saddle }
        else if neutral > 0 { self = .degenerate }
        else if unstable > 0 { self = .source }
        else { self = .sink }
    }
}

/// One stationary point of the flow, classified (docs/design.md, Fixed points).
public struct FixedPoint: Sendable {
    /// All model parameters (frozen ones included).
    public let parameters: [Double]
    /// The representative of the symmetry orbit.
    public let canonicalParameters: [Double]
    public let orbitSize: Double
    public let kind: FixedPointKind
    /// Largest k with every moment of order ≤ k within the tolerance (0 if none).
    public let consistentToOrder: Int
    public let loss: Double
    public let gradientNorm: Double
    /// `max_a |m_a(p_θ) - m_a(q)|`.
    public let momentGap: Double
    /// Eigenvalues of `∇²L` over the free parameters, ascending.
    public let eigenvalues: [Double]
    public let stable: Int
    public let neutral: Int
    public let unstable: Int
    public let type: FixedPointType
    /// `max |G v| / |v|` over neutral eigenvectors v (0 when none): how much
    /// the effective model changes along neutral directions.
    public let maximumNeutralCouplingChange: Double
    /// Effective couplings `J_a`, `a ≠ 0`, canonical interaction order.
    public let couplings: [Double]
    /// How it was found (`newton`, `deflation`, `homotopy`, `plateau`, `trajectory`, ...).
    public var foundBy: String
    /// Whether the Hessian was taken at the last point of an escaping
    /// trajectory (asymptotic kind), not at a stationary point.
    public let inertiaAtLastPoint: Bool

    /// Morse index: the number of unstable directions.
    public var index: Int { unstable }
}

extension FixedPoint {
    /// Classifies θ (free parameters of `objective`).
    public static func classify(_ free: [Double], objective: LearningObjective, tolerances: ClassificationTolerances,
                                foundBy: String, asymptotic: Bool = false) throws -> FixedPoint {
        let at = objective.evaluate(free)
        let n = objective.target.spins
        let gap = zip(at.moments, objective.target.moments).map { abs($0 - $1) }
        var worst = [Double](repeating: 0, count: n + 1)
        for a in 1..<gap.count { worst[Walsh.order(a)] = max(worst[Walsh.order(a)], gap[a]) }
        var consistent = 0
        while consistent < n && worst[consistent + 1] <= tolerances.dataConsistency { consistent += 1 }
        let momentGap = worst.max() ?? 0

        let hessian = at.hessian()
        let eigen = try LAPACK.symmetricEigen(hessian)
        var stable = 0, neutral = 0, unstable = 0
        var neutralChange = 0.0
        let model = objective.model
        let g = model.couplingJacobian(at.theta)
        for (k, lambda) in eigen.values.enumerated() {
            if lambda > tolerances.eigenvalue { stable += 1 }
            else if lambda < -tolerances.eigenvalue { unstable += 1 }
            else {
                neutral += 1
                // G acts on all parameters: embed the free eigenvector.
                var v = [Double](repeating: 0, count: model.parameterCount)
                for (r, j) in objective.freeIndices.enumerated() { v[j] = eigen.vectors[r, k] }
                neutralChange = max(neutralChange, Vector.norm(BLAS.multiply(g, v)) / Vector.norm(v))
            }
        }
        let canonical = model.canonicalized(at.theta)
        let kind: FixedPointKind = asymptotic ? .asymptotic : (momentGap <= tolerances.dataConsistency ? .dataConsistent : .spurious)
        return FixedPoint(
            parameters: at.theta, canonicalParameters: canonical, orbitSize: model.orbitSize(canonical),
            kind: kind, consistentToOrder: consistent, loss: at.loss, gradientNorm: Vector.norm(at.gradient),
            momentGap: momentGap, eigenvalues: eigen.values, stable: stable, neutral: neutral, unstable: unstable,
            type: FixedPointType(stable: stable, neutral: neutral, unstable: unstable),
            maximumNeutralCouplingChange: neutralChange, couplings: Walsh.canonicalOrder(at.couplings),
            foundBy: foundBy, inertiaAtLastPoint: asymptotic)
    }
}
