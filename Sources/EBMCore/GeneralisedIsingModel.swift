import EBMLinearAlgebra

/// `ising(k)`: the fully visible generalised Ising model truncated at order k,
/// `E_θ(x) = -Σ_{1≤|A|≤k} θ_A χ_A(x)`, with `P = Σ_{j≤k} C(n, j)` parameters.
///
/// Its loss is convex; the unique fixed point matches every moment of order
/// `≤ k` (the maximum-entropy projection of the target). With `k = n` it is
/// the full effective model and `J(θ) = θ`. Energies, gradients and
/// Hessian-vector products are Walsh–Hadamard transforms, `O(n 2^n)`.
public struct GeneralisedIsingModel: EnergyModel {
    public let spins: Int
    public let order: Int
    /// The interaction of each parameter, canonical order.
    public let interactions: [Int]

    public init(spins: Int, order: Int) {
        precondition(spins >= 1 && spins <= Walsh.maximumSpins, "spins out of range")
        precondition(order >= 1 && order <= spins, "ising order must be in 1...spins")
        self.spins = spins
        self.order = order
        self.interactions = Walsh.interactions(spins: spins, orders: 1...order)
    }

    public var parameterCount: Int { interactions.count }
    public var parameterNames: [String] { interactions.map(Walsh.couplingName) }
    public var description: String { "ising(k=\(order))" }

    public func evaluate(_ theta: [Double]) -> any EnergyEvaluation {
        precondition(theta.count == parameterCount)
        return Evaluation(model: self, theta: theta)
    }

    public func canonicalized(_ theta: [Double]) -> [Double] { theta }

    /// `J_a = θ_a`: G selects the model's interactions.
    public func couplingJacobian(_ theta: [Double]) -> Matrix {
        let rows = Walsh.allInteractions(spins: spins)
        let rowOf = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        var g = Matrix(rows: rows.count, columns: parameterCount)
        for (j, a) in interactions.enumerated() { g[rowOf[a]!, j] = 1 }
        return g
    }

    struct Evaluation: EnergyEvaluation {
        let model: GeneralisedIsingModel
        let energies: [Double]

        init(model: GeneralisedIsingModel, theta: [Double]) {
            self.model = model
            var f = model.embedded(theta)
            Walsh.transform(&f)
            self.energies = f.map { -$0 }
        }

        /// `Σ_x w(x) (-χ_A(x)) = -(H w)_A`.
        func pullback(_ weights: [Double]) -> [Double] {
            var hw = weights
            Walsh.transform(&hw)
            return model.interactions.map { -hw[$0] }
        }

        /// `-Σ_A v_A χ_A(x) = -(H v)(x)`.
        func pushforward(_ direction: [Double]) -> [Double] {
            var f = model.embedded(direction)
            Walsh.transform(&f)
            for x in f.indices { f[x] = -f[x] }
            return f
        }

        func curvatureProduct(weights: [Double], direction: [Double]) -> [Double] {
            [Double](repeating: 0, count: model.parameterCount)
        }

        func curvatureMatrix(weights: [Double]) -> Matrix {
            Matrix(rows: model.parameterCount, columns: model.parameterCount)
        }

        func energyGradients() -> Matrix {
            let states = model.stateCount
            var d = Matrix(rows: model.parameterCount, columns: states)
            for x in 0..<states {
                for (j, a) in model.interactions.enumerated() { d[j, x] = -Walsh.character(a, x) }
            }
            return d
        }
    }

    /// θ placed at its interactions in a vector of length 2^n.
    func embedded(_ theta: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: stateCount)
        for (j, a) in interactions.enumerated() { f[a] = theta[j] }
        return f
    }
}
