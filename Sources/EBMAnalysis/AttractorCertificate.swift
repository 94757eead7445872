import EBMCore
import EBMLinearAlgebra

/// A region of parameter space certified to lie in one attractor's basin
/// (docs/analyses.md, basins, "Certified stopping"): a basin-map start
/// whose trajectory enters it is labelled at once with `representative`'s
/// attractor instead of being integrated to `|∇L| < tol`.
///
/// A ball `|θ − θ_r| < radius` around a polished sink θ_r. With `M` a
/// global bound on the Hessian's variation,
/// `‖∇²L(θ) − ∇²L(θ')‖₂ ≤ M |θ − θ'|` (`hessianVariationBound`), and
/// `λ = λ_min(∇²L(θ_r)) > 0`: on `B(θ_r, R)`, `R = λ / 2M`, the Hessian is
/// `≥ μ = λ/2`, so L is μ-strongly convex there and its minimiser θ* lies
/// within `ε = |∇L(θ_r)| / μ` of θ_r. On `B(θ*, R − ε)` the flow satisfies
/// `d|θ − θ*|²/dt = −2 (θ − θ*)·∇L ≤ −2μ |θ − θ*|²`: the ball is
/// forward-invariant and all of it flows to θ*. `radius = R − 2ε`, so a θ
/// in the certified ball is in `B(θ*, R − ε)`.
///
/// There is no region for a manifold of sinks (`label_by:
/// effective_model`'s data-consistent class): its Hessian is singular, so
/// no ball; and a KL level is no certificate, since a start escaping to
/// infinity can fall below any level the known fixed points allow (the
/// demo's escapes level off at KL ≈ 2.85e-4, below half the KL of its
/// product-model fixed point). A local Polyak–Łojasiewicz ball would be
/// sound, but on the demo it fires only in a start's last 3–6 % of steps
/// (measured; docs/analyses.md), so it is not built.
public struct AttractorCertificate: Sendable, Equatable, Codable {
    /// A polished end point of the attractor (what a certified start is labelled as).
    public let representative: [Double]
    /// Radius of the certified ball around `representative`.
    public let radius: Double

    public init(representative: [Double], radius: Double) {
        self.representative = representative
        self.radius = radius
    }

    /// Whether θ lies in the certified ball.
    @inline(__always)
    func contains(_ theta: UnsafeBufferPointer<Double>) -> Bool {
        var d2 = 0.0
        for k in 0..<theta.count {
            let d = theta[k] - representative[k]
            d2 += d * d
        }
        return d2 < radius * radius
    }

    // Bit-exact coding: certificates travel to other processes in the recipe.
    enum CodingKeys: String, CodingKey { case representative, radius }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        representative = try c.decode([UInt64].self, forKey: .representative).map(Double.init(bitPattern:))
        radius = Double(bitPattern: try c.decode(UInt64.self, forKey: .radius))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(representative.map(\.bitPattern), forKey: .representative)
        try c.encode(radius.bitPattern, forKey: .radius)
    }
}

extension AttractorCertificate {
    /// `M` with `‖∇²L(θ) − ∇²L(θ')‖₂ ≤ M |θ − θ'|` for all θ, θ' (free
    /// parameters), or nil when the model has no such bound here.
    ///
    /// Along a line θ + s d (|d| = 1) with `e_k = dᵏE/dsᵏ`,
    /// `d³L/ds³ = E_q[e₃] − E_p[e₃] + 3 Cov_p(e₁, e₂) − κ₃,p(e₁)`, so
    /// `|d³L/ds³| ≤ 2B₃ + 3B₁B₂ + 2B₁³` with `B_k ≥ sup_x |e_k(x)|`; for a
    /// symmetric trilinear form the norm is its sup on the diagonal, hence
    /// the Lipschitz bound of the Hessian. RBM, `E = −a·f − Σ_μ φ(u_μ)`,
    /// `|f_i| ≤ 1`: `|du_μ| ≤ |d_μ| √(n+1)` (d_μ: the (b_μ, W_μ·) part), so
    /// `B₁ = √(n + h(n+1))`, `B₂ = c₂ (n+1)`, `B₃ = c₃ (n+1)^{3/2}` with
    /// `c₂ = sup φ''`, `c₃ = sup |φ'''|` (1 and 4/(3√3) for log 2cosh; 1/4
    /// and 1/(6√3) for softplus). Generalised Ising (E linear in θ):
    /// `B₁ = √P`, `B₂ = B₃ = 0`.
    public static func hessianVariationBound(_ objective: LearningObjective) -> Double? {
        if let rbm = objective.model as? RestrictedBoltzmannMachine {
            let n = Double(rbm.spins), h = Double(rbm.hidden)
            let (c2, c3) = rbm.units == .spin ? (1.0, 4 / (3 * 3.0.squareRoot())) : (0.25, 1 / (6 * 3.0.squareRoot()))
            let b1 = (n + h * (n + 1)).squareRoot(), b2 = c2 * (n + 1), b3 = c3 * (n + 1) * (n + 1).squareRoot()
            return 2 * b3 + 3 * b1 * b2 + 2 * b1 * b1 * b1
        }
        if objective.model is GeneralisedIsingModel {
            let b1 = Double(objective.model.parameterCount).squareRoot()
            return 2 * b1 * b1 * b1
        }
        return nil
    }

    /// The certified ball around a polished end point θ_r (nil when θ_r is
    /// not a nondegenerate sink or the model has no Hessian bound).
    public static func ball(at representative: [Double], objective: LearningObjective) -> Double? {
        guard let bound = hessianVariationBound(objective) else { return nil }
        let at = objective.evaluate(representative)
        guard let eigenvalues = try? LAPACK.symmetricEigenvalues(at.hessian()), let lowest = eigenvalues.first,
              let highest = eigenvalues.last else { return nil }
        // LAPACK's eigenvalues are exact to a few ulps of the largest.
        let lambda = lowest - 1e-12 * max(abs(highest), 1)
        guard lambda > 0 else { return nil }
        let outer = lambda / (2 * bound), mu = lambda / 2
        let offset = Vector.norm(at.gradient) / mu
        let radius = outer - 2 * offset
        return radius > outer / 2 ? radius : nil
    }

    /// Certificates from the ends of the survey starts (docs/analyses.md,
    /// basins): a ball for each attractor the survey reached that is a
    /// nondegenerate sink. Deterministic in the order of `ends`.
    public static func certify(ends: [BasinOutcome], objective: LearningObjective, identity: AttractorIdentity,
                               matchTolerance: Double) -> [AttractorCertificate] {
        var learner = AttractorLearner(objective: objective, identity: identity, matchTolerance: matchTolerance)
        return learner.learn(from: ends)
    }
}

/// Learns certificates as a basin map runs (docs/analyses.md, basins,
/// "Certified stopping"): each attractor is tried once, at the first
/// converged end that reaches it, and gets a ball when that end is a
/// nondegenerate sink. Attractors are told apart as the map's labelling
/// tells them apart (`matchingAttractor`), without classifying them. What
/// it returns depends only on the order of the ends it is shown, so a map
/// that shows it the survey's ends and then each block of rows in grid
/// order learns the same certificates however the rows were scheduled.
public struct AttractorLearner {
    let objective: LearningObjective
    let identity: AttractorIdentity
    let matchTolerance: Double
    /// Every attractor seen so far, certified or not (no catalog entries).
    var attractors: [Attractor] = []

    public init(objective: LearningObjective, identity: AttractorIdentity, matchTolerance: Double) {
        self.objective = objective
        self.identity = identity
        self.matchTolerance = matchTolerance
    }

    /// Whether `state` reaches an attractor not seen before (which is then
    /// remembered). The effective couplings (an all-states pass) are
    /// computed only where attractors are told apart by them.
    mutating func isNew(_ state: [Double]) -> Bool {
        let couplings = identity == .effectiveModel ? Walsh.canonicalOrder(objective.evaluate(state).couplings) : []
        guard matchingAttractor(state, couplings: couplings, identity: identity, tolerance: matchTolerance,
                                attractors: attractors) == nil else { return false }
        attractors.append(Attractor(representative: state, couplings: couplings, catalogIndex: -1))
        return true
    }

    /// The certificates of the attractors that `ends` reach for the first
    /// time, in order of first arrival. Certified ends are of attractors
    /// already known; an attractor that got no ball is not tried again.
    public mutating func learn(from ends: [BasinOutcome]) -> [AttractorCertificate] {
        var learned: [AttractorCertificate] = []
        for case let .converged(state, _) in ends {
            guard isNew(state), let radius = AttractorCertificate.ball(at: state, objective: objective) else { continue }
            learned.append(AttractorCertificate(representative: state, radius: radius))
        }
        return learned
    }

    /// Marks the attractors of `certificates` (issued before the map) as known.
    public mutating func know(_ certificates: [AttractorCertificate]) {
        for certificate in certificates { _ = isNew(certificate.representative) }
    }
}
