import EBMAnalysis
import EBMSolvers

/// The `orders` block of `summary.json`: the convergence time of every
/// order at every ε by each measure (couplings `t_J`, moments `t_m`,
/// information `t_I`; null where undefined, with its status), whether the
/// hierarchy `t_1 ≤ … ≤ t_n` holds per measure, the onsets `t_on(k, f)`
/// likewise, the early growth slopes and the connected information.
public struct OrdersSummary: Codable {
    public struct Time: Codable {
        public var epsilon: Double
        public var tJ: Double?
        public var tm: Double?
        /// `reached`, `trivial` or `not_reached`.
        public var statusJ: String
        public var statusM: String
        /// Absent when the information was not measured.
        public var tI: Double?
        public var statusI: String?
        enum CodingKeys: String, CodingKey {
            case epsilon, tJ = "t_J", tm = "t_m", statusJ = "status_J", statusM = "status_m", tI = "t_I", statusI = "status_I"
        }
    }

    /// `t_on(k, f)` of one order at one fraction, by measure.
    public struct Onset: Codable {
        public var fraction: Double
        public var tJ: Double?
        public var tm: Double?
        public var tI: Double?
        public var statusJ: String
        public var statusM: String
        public var statusI: String?
        enum CodingKeys: String, CodingKey {
            case fraction, tJ = "t_on_J", tm = "t_on_m", tI = "t_on_I", statusJ = "status_J", statusM = "status_m", statusI = "status_I"
        }
    }

    public struct OnsetHierarchy: Codable {
        public var fraction: Double
        public var couplings: Bool
        public var moments: Bool
        public var information: Bool?
    }

    public struct Order: Codable {
        public var order: Int
        /// `|J^(k)(0) - J^(k)(θ_∞)|`, the denominator of `r_k`.
        public var couplingScale: Double
        /// `|m^(k)(p_0) - m^(k)(q)|`, the denominator of `d_k`.
        public var momentScale: Double
        public var times: [Time]
        public var onsets: [Onset]
        /// The log-log slope of `|J^(k)(t) - J^(k)(0)|` over the growth window; null when too few samples.
        public var growthSlope: Double?
        enum CodingKeys: String, CodingKey {
            case order, couplingScale = "coupling_scale", momentScale = "moment_scale", times, onsets, growthSlope = "growth_slope"
        }
    }

    public struct Hierarchy: Codable {
        public var epsilon: Double
        /// `t_1 ≤ … ≤ t_n` (`OrderTime.isOrdered`: trivial orders left out, unreached ones `+∞`).
        public var couplings: Bool
        public var moments: Bool
        /// Absent when the information was not measured.
        public var information: Bool?
    }

    public struct Growth: Codable {
        /// `[t_a, t_b]`.
        public var window: [Double]
        /// Samples in the window.
        public var samples: Int
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
        /// `I_k(p_0)` and `I_k(p_∞)`, the ends of `t_I` and its onsets.
        public var initialReference: [Double]?
        public var finalReference: [Double]?
        public var momentTolerance: Double
        public var worstMomentMismatch: Double
        enum CodingKeys: String, CodingKey {
            case target, final, momentTolerance = "moment_tolerance", worstMomentMismatch = "worst_moment_mismatch"
            case initialReference = "initial_reference", finalReference = "final_reference"
        }
    }

    public var epsilon: [Double]
    public var stopTime: Double
    public var stopReason: String
    public var trivialTolerance: Double
    public var orders: [Order]
    public var hierarchy: [Hierarchy]
    public var onsetFractions: [Double]
    public var onsetHierarchy: [OnsetHierarchy]
    /// Absent when the trajectory has no samples in the window.
    public var growth: Growth?
    public var rootFinding: RootFinding
    /// Absent when `spins` exceeds `ScenarioRunner.informationSpinLimit`.
    public var information: Information?

    enum CodingKeys: String, CodingKey {
        case epsilon, stopTime = "stop_time", stopReason = "stop_reason", trivialTolerance = "trivial_tolerance"
        case orders, hierarchy, onsetFractions = "onset_fractions", onsetHierarchy = "onset_hierarchy", growth
        case rootFinding = "root_finding", information
    }

    public init(_ convergence: OrderConvergence, information: Information?, growth: EarlyGrowth? = nil) {
        let reference = convergence.reference
        epsilon = convergence.thresholds
        stopTime = convergence.stopTime
        stopReason = convergence.stopReason.rawValue
        trivialTolerance = reference.trivialTolerance
        orders = (1...reference.spins).map { k in
            Order(order: k, couplingScale: reference.couplingScales[k - 1], momentScale: reference.momentScales[k - 1],
                  times: convergence.thresholds.enumerated().map { j, epsilon in
                      let coupling = convergence.couplingTimes[k - 1][j], moment = convergence.momentTimes[k - 1][j]
                      let info = convergence.informationTimes?[k - 1][j]
                      return Time(epsilon: epsilon, tJ: coupling.time, tm: moment.time, statusJ: coupling.status, statusM: moment.status,
                                  tI: info?.time, statusI: info?.status)
                  },
                  onsets: convergence.onsets.enumerated().map { j, fraction in
                      let on = OrderMeasure.allCases.map { convergence.onsetTimes[$0]?[k - 1][j] }
                      return Onset(fraction: fraction, tJ: on[0]?.time, tm: on[1]?.time, tI: on[2]?.time,
                                   statusJ: on[0]?.status ?? "trivial", statusM: on[1]?.status ?? "trivial", statusI: on[2]?.status)
                  },
                  growthSlope: growth.flatMap { $0.slopes.indices.contains(k - 1) ? $0.slopes[k - 1] : nil })
        }
        hierarchy = convergence.thresholds.indices.map { j in
            Hierarchy(epsilon: convergence.thresholds[j], couplings: convergence.couplingHierarchyHolds(threshold: j),
                      moments: convergence.momentHierarchyHolds(threshold: j),
                      information: convergence.hierarchyHolds(.information, threshold: j))
        }
        onsetFractions = convergence.onsets
        onsetHierarchy = convergence.onsets.indices.map { j in
            OnsetHierarchy(fraction: convergence.onsets[j], couplings: convergence.onsetHierarchyHolds(.couplings, fraction: j) ?? false,
                           moments: convergence.onsetHierarchyHolds(.moments, fraction: j) ?? false,
                           information: convergence.onsetHierarchyHolds(.information, fraction: j))
        }
        self.growth = growth.map { Growth(window: $0.window, samples: $0.samples) }
        rootFinding = RootFinding(roots: convergence.rootCount,
                                  endpointDeviation: convergence.endpointDeviation.isFinite ? convergence.endpointDeviation : nil,
                                  solverStatistics: convergence.statistics)
        self.information = information
    }
}
