import EBMLinearAlgebra

/// The maximum-likelihood objective of an energy model on a target,
/// `L(θ) = KL(q || p_θ)`, as a function of the model's **free** parameters
/// (frozen ones held at their values in `frozenValues`).
///
/// - `∇L = Σ_x (q(x) - p_θ(x)) ∂_θE(x) = Gᵀ (m(p_θ) - m(q))`
/// - `∇²L = Σ_x (q - p_θ) ∂²E + Cov_{p_θ}(∂E, ∂E)`
public struct LearningObjective: Sendable {
    public let model: any EnergyModel
    public let target: Target
    /// Indices (into the model's parameters) that the flow moves, ascending.
    public let freeIndices: [Int]
    /// Every parameter's value; only the frozen entries are read.
    public let frozenValues: [Double]

    public init(model: any EnergyModel, target: Target, frozen: Set<Int> = [], frozenValues: [Double]? = nil) {
        precondition(model.spins == target.spins, "model and target have different numbers of spins")
        self.model = model
        self.target = target
        self.freeIndices = (0..<model.parameterCount).filter { !frozen.contains($0) }
        self.frozenValues = frozenValues ?? [Double](repeating: 0, count: model.parameterCount)
        precondition(self.frozenValues.count == model.parameterCount)
    }

    /// Number of free parameters (the dimension of the flow).
    public var dimension: Int { freeIndices.count }
    public var hasFrozenParameters: Bool { freeIndices.count != model.parameterCount }
    public var freeParameterNames: [String] {
        let names = model.parameterNames
        return freeIndices.map { names[$0] }
    }

    /// The full parameter vector from the free one.
    public func fullParameters(_ free: [Double]) -> [Double] {
        if !hasFrozenParameters { return free }
        var theta = frozenValues
        for (k, j) in freeIndices.enumerated() { theta[j] = free[k] }
        return theta
    }

    /// The free part of a full parameter vector.
    public func freeParameters(_ full: [Double]) -> [Double] {
        if !hasFrozenParameters { return full }
        return freeIndices.map { full[$0] }
    }

    public func evaluate(_ free: [Double]) -> ObjectiveEvaluation {
        precondition(free.count == dimension, "expected \(dimension) free parameters, got \(free.count)")
        return ObjectiveEvaluation(objective: self, free: free)
    }
}

/// The objective at one point: one all-states pass, then the loss and
/// derivatives on demand.
public struct ObjectiveEvaluation {
    public let objective: LearningObjective
    public let free: [Double]
    public let theta: [Double]
    public let model: any EnergyEvaluation
    public let probabilities: [Double]
    public let logProbabilities: [Double]
    /// `q - p_θ`, the state weights of the gradient.
    public let residual: [Double]

    init(objective: LearningObjective, free: [Double]) {
        self.objective = objective
        self.free = free
        self.theta = objective.fullParameters(free)
        self.model = objective.model.evaluate(theta)
        let (p, logp) = Distribution.boltzmann(energies: model.energies)
        let q = objective.target.probabilities
        probabilities = p
        logProbabilities = logp
        residual = (0..<q.count).map { q[$0] - p[$0] }
    }

    /// `KL(q || p_θ)`.
    public var loss: Double {
        Distribution.kullbackLeibler(objective.target.probabilities, logQ: objective.target.logProbabilities, logP: logProbabilities)
    }

    /// `∇L` over the free parameters.
    public var gradient: [Double] {
        objective.freeParameters(model.pullback(residual))
    }

    /// `∇²L v = Σ_x (q-p) ∂²E v + Σ_x p ∂E (∂E·v - E_p[∂E·v])` (free parameters).
    public func hessianVectorProduct(_ v: [Double]) -> [Double] {
        let direction = objective.hasFrozenParameters ? embedFree(v) : v
        let u = model.pushforward(direction)
        var mean = 0.0
        for x in u.indices { mean += probabilities[x] * u[x] }
        var centred = u
        for x in u.indices { centred[x] = probabilities[x] * (u[x] - mean) }
        let covariance = model.pullback(centred)
        let curvature = model.curvatureProduct(weights: residual, direction: direction)
        return objective.freeParameters(zip(covariance, curvature).map { $0 + $1 })
    }

    /// Dense `∇²L = Σ_x (q-p) ∂²E + D diag(p) Dᵀ - (Dp)(Dp)ᵀ` (free × free).
    /// Costs `O(P² 2^n)`; for small P.
    public func hessian() -> Matrix {
        let d = model.energyGradients()
        let p = probabilities
        var dp = Matrix(rows: d.rows, columns: d.columns)
        for x in 0..<d.columns { for j in 0..<d.rows { dp[j, x] = d[j, x] * p[x] } }
        var h = BLAS.multiply(dp, d, transposeB: true)
        let mean = BLAS.multiply(d, p)
        let curvature = model.curvatureMatrix(weights: residual)
        for c in 0..<h.columns {
            for r in 0..<h.rows { h[r, c] += curvature[r, c] - mean[r] * mean[c] }
        }
        if !objective.hasFrozenParameters { return h }
        let free = objective.freeIndices
        var reduced = Matrix(rows: free.count, columns: free.count)
        for (c, jc) in free.enumerated() { for (r, jr) in free.enumerated() { reduced[r, c] = h[jr, jc] } }
        return reduced
    }

    /// Moments of the model, `m(p_θ) = H p_θ` (all `2^n`).
    public var moments: [Double] { Distribution.moments(probabilities) }

    /// Effective couplings of the model, `J = 2^-n H log p_θ` (all `2^n`).
    public var couplings: [Double] { Distribution.couplings(logProbabilities: logProbabilities) }

    private func embedFree(_ v: [Double]) -> [Double] {
        var full = [Double](repeating: 0, count: objective.model.parameterCount)
        for (k, j) in objective.freeIndices.enumerated() { full[j] = v[k] }
        return full
    }
}
