import EBMLinearAlgebra

/// A parameterisation `θ -> E_θ` of energies over the `2^n` states.
///
/// Everything else (the loss and its derivatives, the flow, Newton, the
/// classification) is written once against this protocol. A model evaluates
/// all states in one pass (`evaluate`), and the returned evaluation answers
/// the derivative questions at that `θ` without repeating the pass.
public protocol EnergyModel: Sendable {
    var spins: Int { get }
    var parameterCount: Int { get }
    /// Output names: `a[2]`, `W[1,3]`, `J{0,2,5}`, ...
    var parameterNames: [String] { get }
    /// A short description for summaries, e.g. `rbm(h=4, units=spin)`.
    var description: String { get }
    /// All-states evaluation at θ.
    func evaluate(_ theta: [Double]) -> any EnergyEvaluation
    /// The representative of θ's symmetry orbit (the distribution `p_θ`,
    /// and hence the loss, is the same on the whole orbit).
    func canonicalized(_ theta: [Double]) -> [Double]
    /// `G_{a,j} = ∂J_a/∂θ_j` for every `a ≠ 0` in canonical interaction order
    /// (rows) and every parameter (columns). Default: Walsh transforms of
    /// the energy gradients.
    func couplingJacobian(_ theta: [Double]) -> Matrix
    /// The number of distinct parameter vectors with the same distribution
    /// as θ under the model's symmetries (1 for models without any).
    func orbitSize(_ theta: [Double]) -> Double
    /// Symmetry images of θ (θ itself first), at most `limit` of them.
    func symmetryImages(_ theta: [Double], limit: Int) -> [[Double]]
    /// A reusable all-states kernel for integrations (default: one that
    /// goes through `evaluate`; models with fast passes supply their own).
    func makeKernel(parallelism: Parallelism) -> any EnergyKernel
}

/// The model at one θ, over all states.
public protocol EnergyEvaluation {
    /// `E_θ(x)` for `x = 0 ..< 2^n`.
    var energies: [Double] { get }
    /// `Σ_x w(x) ∂E_θ(x)/∂θ` (length P).
    func pullback(_ weights: [Double]) -> [Double]
    /// `(∂E_θ(x)/∂θ) · v` for every state (length 2^n).
    func pushforward(_ direction: [Double]) -> [Double]
    /// `Σ_x w(x) ∂²E_θ(x) v` (length P).
    func curvatureProduct(weights: [Double], direction: [Double]) -> [Double]
    /// `Σ_x w(x) ∂²E_θ(x)` (P × P, symmetric).
    func curvatureMatrix(weights: [Double]) -> Matrix
    /// `D_{j,x} = ∂E_θ(x)/∂θ_j` (P × 2^n). Materialises P·2^n numbers.
    func energyGradients() -> Matrix
}

extension EnergyModel {
    public var stateCount: Int { 1 << spins }

    public func orbitSize(_ theta: [Double]) -> Double { 1 }
    public func symmetryImages(_ theta: [Double], limit: Int) -> [[Double]] { [theta] }
    public func makeKernel(parallelism: Parallelism) -> any EnergyKernel { EvaluationKernel(model: self) }

    public func couplingJacobian(_ theta: [Double]) -> Matrix {
        Self.couplingJacobian(fromEnergyGradients: evaluate(theta).energyGradients(), spins: spins)
    }

    /// `G_{a,j} = -2^-n (H D_j)_a`, rows in canonical interaction order.
    public static func couplingJacobian(fromEnergyGradients d: Matrix, spins: Int) -> Matrix {
        let states = 1 << spins
        let rows = Walsh.allInteractions(spins: spins)
        var g = Matrix(rows: rows.count, columns: d.rows)
        var buffer = [Double](repeating: 0, count: states)
        let scale = -1 / Double(states)
        for j in 0..<d.rows {
            for x in 0..<states { buffer[x] = d[j, x] }
            Walsh.transform(&buffer)
            for (r, a) in rows.enumerated() { g[r, j] = scale * buffer[a] }
        }
        return g
    }

    /// Effective couplings of `p_θ`: `J = 2^-n H log p_θ` (all `2^n`, index 0 = `-log Z`).
    public func effectiveCouplings(_ theta: [Double]) -> [Double] {
        let logp = Distribution.boltzmann(energies: evaluate(theta).energies).logProbabilities
        return Distribution.couplings(logProbabilities: logp)
    }

    /// The index of a parameter from its name; spaces are ignored and the
    /// sites of `J{...}` may be given in any order.
    public func parameterIndex(named name: String) -> Int? {
        let key = ParameterName.normalised(name)
        return parameterNames.firstIndex { ParameterName.normalised($0) == key }
    }
}

/// Parameter-name spelling rules shared by every model.
public enum ParameterName {
    public static func normalised(_ name: String) -> String {
        let compact = name.filter { !$0.isWhitespace }
        if compact.hasPrefix("J{") && compact.hasSuffix("}") {
            let inner = compact.dropFirst(2).dropLast()
            let sites = inner.split(separator: ",").compactMap { Int($0) }.sorted()
            return "J{" + sites.map(String.init).joined(separator: ",") + "}"
        }
        return compact
    }
}
