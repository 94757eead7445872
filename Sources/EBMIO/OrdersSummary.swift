import EBMAnalysis
import EBMSolvers

/// The `orders` block of `summary.json`: the convergence time of every
/// order at every ε (null where undefined, with its status), whether the
/// hierarchy `t_1 ≤ … ≤ t_n` holds, and the connected information.
public struct OrdersSummary: Codable {
    public struct Time: Codable {
        public var epsilon: Double
        public var tJ: Double?
        public var tm: Double?
        /// `reached`, `trivial` or `not_reached`.
        public var statusJ: String
        public var statusM: String
        enum CodingKeys: String, CodingKey {
            case epsilon, tJ = "t_J", tm = "t_m", statusJ = "status_J", statusM = "status_m"
        }
    }

    public struct Order: Codable {
        public var order: Int
        /// `|J^(k)(0) - J^(k)(θ_∞)|`, the denominator of `r_k`.
        public var couplingScale: Double
        /// `|m^(k)(p_0) - m^(k)(q)|`, the denominator of `d_k`.
        public var momentScale: Double
        public var times: [Time]
        enum CodingKeys: String, CodingKey {
            case order, couplingScale = "coupling_scale", momentScale = "moment_scale", times
        }
    }

    public struct Hierarchy: Codable {
        public var epsilon: Double
        /// `t_1 ≤ … ≤ t_n` (`OrderTime.isOrdered`: trivial orders left out, unreached ones `+∞`).
        public var couplings: Bool
        public var moments: Bool
    }

    public struct RootFinding: Codable {
        public var roots: Int
        /// `max |θ - θ_∞|` where the root-finding pass stopped; null if it
        /// stopped at another time (it should not).
        public var endpointDeviation: Double?
        public var solverStatistics: SolverStatistics?
        enum CodingKeys: String, CodingKey {
            case roots, endpointDeviation = "endpoint_deviation", solverStatistics = "solver_statistics"
        }
    }

    public struct Information: Codable {
        /// `I_k(q)`, `k = 1 ... n`.
        public var target: [Double]
        /// `I_k(p)` at the last sample.
        public var final: [Double]
        public var momentTolerance: Double
        public var worstMomentMismatch: Double
        enum CodingKeys: String, CodingKey {
            case target, final, momentTolerance = "moment_tolerance", worstMomentMismatch = "worst_moment_mismatch"
        }
    }

    public var epsilon: [Double]
    public var stopTime: Double
    public var stopReason: String
    public var trivialTolerance: Double
    public var orders: [Order]
    public var hierarchy: [Hierarchy]
    public var rootFinding: RootFinding
    /// Absent when `spins` exceeds `ScenarioRunner.informationSpinLimit`.
    public var information: Information?

    enum CodingKeys: String, CodingKey {
        case epsilon, stopTime = "stop_time", stopReason = "stop_reason", trivialTolerance = "trivial_tolerance"
        case orders, hierarchy, rootFinding = "root_finding", information
    }

    public init(_ convergence: OrderConvergence, information: Information?) {
        let reference = convergence.reference
        epsilon = convergence.thresholds
        stopTime = convergence.stopTime
        stopReason = convergence.stopReason.rawValue
        trivialTolerance = reference.trivialTolerance
        orders = (1...reference.spins).map { k in
            Order(order: k, couplingScale: reference.couplingScales[k - 1], momentScale: reference.momentScales[k - 1],
                  times: convergence.thresholds.enumerated().map { j, epsilon in
                      let coupling = convergence.couplingTimes[k - 1][j], moment = convergence.momentTimes[k - 1][j]
                      return Time(epsilon: epsilon, tJ: coupling.time, tm: moment.time, statusJ: coupling.status, statusM: moment.status)
                  })
        }
        hierarchy = convergence.thresholds.indices.map { j in
            Hierarchy(epsilon: convergence.thresholds[j], couplings: convergence.couplingHierarchyHolds(threshold: j),
                      moments: convergence.momentHierarchyHolds(threshold: j))
        }
        rootFinding = RootFinding(roots: convergence.rootCount,
                                  endpointDeviation: convergence.endpointDeviation.isFinite ? convergence.endpointDeviation : nil,
                                  solverStatistics: convergence.statistics)
        self.information = information
    }
}
