import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// `problem.json`: a resolved scenario as data, so that another tool solves
/// exactly the same gradient flow `dθ/dt = -∇L(θ)`, `θ(0)` =
/// `initial_parameters`, `0 ≤ t ≤ t_end`, `L = KL(q || p_θ)`:
/// the target `q` over the `2^n` states (state `x`, spin `s_i = 1 - 2((x >> i) & 1)`),
/// the model and its parameter layout, which parameters are frozen, and the
/// integrator's tolerances. Numbers are written in the shortest form that
/// reads back to the same double.
public struct ExportedProblem: Codable, Equatable {
    public struct Model: Codable, Equatable {
        /// `rbm` or `ising`.
        public var kind: String
        public var description: String
        public var parameterCount: Int
        /// rbm: hidden units and `spin` | `binary`.
        public var hidden: Int?
        public var units: String?
        /// ising: the truncation order and the bitmask of each parameter's
        /// interaction, in parameter order.
        public var order: Int?
        public var interactions: [Int]?
        /// How θ is laid out and what the energy is.
        public var layout: String

        enum CodingKeys: String, CodingKey {
            case kind, description, parameterCount = "parameter_count", hidden, units, order, interactions, layout
        }
    }

    public struct TargetData: Codable, Equatable {
        /// `q(x)`, `x = 0 ..< 2^n`.
        public var probabilities: [Double]
        /// `log q(x)` (exact even where `q` underflows).
        public var logProbabilities: [Double]
        /// `J*_a = 2^-n (H log q)_a` indexed by the bitmask `a` (`a = 0` holds `-log Z`).
        public var couplings: [Double]
        enum CodingKeys: String, CodingKey {
            case probabilities, logProbabilities = "log_probabilities", couplings
        }
    }

    public struct Integrator: Codable, Equatable {
        public var rtol: Double
        public var atol: Double
        public var tEnd: Double
        public var gradTol: Double
        public var maxSteps: Int
        /// What ebmflow's `auto` resolves to for this problem.
        public var linearSolver: String
        enum CodingKeys: String, CodingKey {
            case rtol, atol, tEnd = "t_end", gradTol = "grad_tol", maxSteps = "max_steps", linearSolver = "linear_solver"
        }
    }

    public var format: String
    public var ebmflow: String
    public var scenario: String
    public var spins: Int
    public var states: Int
    public var model: Model
    public var parameterNames: [String]
    /// All P parameters at t = 0 (frozen ones keep these values).
    public var initialParameters: [Double]
    /// Indices of the parameters that move (ascending); the flow's state is
    /// these entries of θ.
    public var freeIndices: [Int]
    public var target: TargetData
    public var integrator: Integrator

    public static let formatName = "ebmflow-problem/1"

    enum CodingKeys: String, CodingKey {
        case format, ebmflow, scenario, spins, states, model, parameterNames = "parameter_names"
        case initialParameters = "initial_parameters", freeIndices = "free_indices", target, integrator
    }

    public init(_ resolved: ResolvedScenario) throws {
        let scenario = resolved.scenario
        let model = resolved.model
        format = Self.formatName
        ebmflow = EBMFlowVersion.current
        self.scenario = scenario.name
        spins = scenario.spins
        states = model.stateCount
        switch model {
        case let rbm as RestrictedBoltzmannMachine:
            let n = rbm.spins, h = rbm.hidden
            let energy = rbm.units == .spin
                ? "E(s) = -sum_i a_i s_i - sum_mu log(2 cosh(b_mu + sum_i W[mu,i] s_i)), s_i = 1 - 2*((x >> i) & 1)"
                : "E(v) = -sum_i a_i v_i - sum_mu log(1 + exp(b_mu + sum_i W[mu,i] v_i)), v_i = (x >> i) & 1"
            self.model = Model(kind: "rbm", description: rbm.description, parameterCount: rbm.parameterCount,
                               hidden: h, units: rbm.units.rawValue,
                               layout: "theta = (a[0..\(n - 1)], b[0..\(h - 1)], W row-major: W[mu,i] at \(n + h) + mu*\(n) + i); " + energy)
        case let ising as GeneralisedIsingModel:
            self.model = Model(kind: "ising", description: ising.description, parameterCount: ising.parameterCount,
                               order: ising.order, interactions: ising.interactions,
                               layout: "theta_j = J_A for A = interactions[j] (bitmask); E(x) = -sum_j theta_j chi_{interactions[j]}(x), chi_a(x) = (-1)^popcount(a & x)")
        default:
            throw ResolutionError(keyPath: "model", message: "\(model.description) cannot be exported")
        }
        parameterNames = model.parameterNames
        initialParameters = resolved.initialParameters
        freeIndices = resolved.objective.freeIndices
        let target = resolved.target
        self.target = TargetData(probabilities: target.probabilities, logProbabilities: target.logProbabilities,
                                 couplings: target.couplings)
        let settings = scenario.integrator
        let choice = resolved.method.linearSolver.resolved(dimension: resolved.objective.dimension)
        integrator = Integrator(rtol: settings.relativeTolerance, atol: settings.absoluteTolerance,
                                tEnd: settings.endTime, gradTol: settings.gradientTolerance,
                                maxSteps: settings.maxSteps, linearSolver: choice.name)
    }

    /// Writes `problem.json` into `folder` (created if missing).
    public func write(into folder: String) throws -> String {
        try AtomicFile.prepareFolder(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let path = (folder as NSString).appendingPathComponent("problem.json")
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: path)
        return path
    }

    public static func read(from path: String) throws -> ExportedProblem {
        try JSONDecoder().decode(ExportedProblem.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
