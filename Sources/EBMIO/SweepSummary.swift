import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// `sweep_summary.json`: per measure (couplings, moments, information),
/// order and ε, the quartiles of the convergence times over the runs, and
/// the fraction of runs in which the hierarchy `t_1 ≤ t_2 ≤ … ≤ t_n` holds;
/// the same for the onsets `t_on(k, f)`; for all runs, then for each swept
/// value.
public struct SweepSummary: Codable {
    public struct Statistic: Codable, Equatable {
        public var order: Int
        public var epsilon: Double
        /// Runs in which the order got within ε / was trivial / never did.
        public var reached: Int
        public var trivial: Int
        public var notReached: Int
        /// Quartiles of the reached times; null when none reached.
        public var q1: Double?
        public var median: Double?
        public var q3: Double?
        enum CodingKeys: String, CodingKey {
            case order, epsilon, reached, trivial, notReached = "not_reached", q1, median, q3
        }
    }

    public struct HierarchyFraction: Codable, Equatable {
        public var epsilon: Double
        public var couplings: Double
        public var moments: Double
        /// Absent when the information was not measured.
        public var information: Double?
    }

    /// The quartiles of one measure's onsets `t_on(k, f)` over the runs.
    public struct OnsetStatistic: Codable, Equatable {
        public var measure: String
        public var order: Int
        public var fraction: Double
        public var reached: Int
        public var trivial: Int
        public var notReached: Int
        public var q1: Double?
        public var median: Double?
        public var q3: Double?
        enum CodingKeys: String, CodingKey {
            case measure, order, fraction, reached, trivial, notReached = "not_reached", q1, median, q3
        }
    }

    public struct OnsetFraction: Codable, Equatable {
        public var fraction: Double
        public var couplings: Double
        public var moments: Double
        public var information: Double?
    }

    public struct Group: Codable {
        /// The swept value; absent for the group of all runs (the first).
        public var value: Double?
        /// Runs that did not fail.
        public var runs: Int
        public var couplings: [Statistic]
        public var moments: [Statistic]
        /// `t_I`; absent when the information was not measured.
        public var information: [Statistic]?
        public var hierarchy: [HierarchyFraction]
        public var onsets: [OnsetStatistic]?
        public var onsetHierarchy: [OnsetFraction]?
        enum CodingKeys: String, CodingKey {
            case value, runs, couplings, moments, information, hierarchy, onsets, onsetHierarchy = "onset_hierarchy"
        }
    }

    public struct Failure: Codable {
        public var member: Int
        public var error: String
    }

    public static let quartileRule = "linear interpolation between order statistics (numpy's default, Hyndman-Fan type 7) over the runs in which the order got within epsilon"
    public static let hierarchyRule = "fraction of runs (failed ones excluded) in which t_1 <= t_2 <= ... <= t_n; trivial orders are left out of the chain, an order never within epsilon counts as t = +inf; a run in which no order got within epsilon does not count as ordered"

    public var ebmflow: String
    public var scenario: String
    public var scenarioHash: String
    /// `init_seed`, `init_scale`, `target_seed` or `hidden`.
    public var over: String
    public var values: [Double]
    public var seeds: Int
    /// Random targets per value and seed (`sweep.targets`).
    public var targets: Int
    public var members: Int
    public var failed: [Failure]
    public var epsilon: [Double]
    public var onsetFractions: [Double]
    public var quartiles: String
    public var hierarchyRule: String
    public var groups: [Group]

    enum CodingKeys: String, CodingKey {
        case ebmflow, scenario, scenarioHash = "scenario_hash", over, values, seeds, targets, members, failed, epsilon, onsetFractions = "onset_fractions"
        case quartiles, hierarchyRule = "hierarchy_rule", groups
    }

    init(_ results: [SweepRunner.MemberResult], sweep: SweepSpecification, thresholds: [Double], onsets: [Double], scenario: Scenario) {
        ebmflow = EBMFlowVersion.current
        self.scenario = scenario.name
        scenarioHash = ScenarioHash.of(scenario.sourceText)
        over = sweep.variation?.name ?? "init_seed"
        var distinct: [Double] = []
        for result in results where !distinct.contains(result.member.value) { distinct.append(result.member.value) }
        values = distinct
        seeds = sweep.seeds
        targets = sweep.targets
        members = results.count
        failed = results.compactMap { result in result.error.map { Failure(member: result.member.id, error: $0) } }
        epsilon = thresholds
        onsetFractions = onsets
        quartiles = Self.quartileRule
        hierarchyRule = Self.hierarchyRule
        let runs = results.compactMap(\.convergence)
        groups = [Self.group(runs, value: nil, thresholds: thresholds, onsets: onsets)]
        if sweep.variation != nil && distinct.count > 1 {
            groups += distinct.map { value in
                Self.group(results.filter { $0.member.value == value }.compactMap(\.convergence), value: value, thresholds: thresholds,
                           onsets: onsets)
            }
        }
    }

    static func group(_ runs: [OrderConvergence], value: Double?, thresholds: [Double], onsets: [Double] = []) -> Group {
        let n = runs.first?.reference.spins ?? 0
        /// The times of order `k` at level `j` over the runs, with their counts and quartiles.
        func summary(_ times: (OrderConvergence) -> [[OrderTime]]?, _ k: Int, _ j: Int)
            -> (reached: Int, trivial: Int, notReached: Int, quartiles: [Double?]) {
            let all = runs.map { times($0)?[k][j] ?? .trivial }
            let reached = all.compactMap(\.time).sorted()
            return (reached.count, all.filter { $0 == .trivial }.count, all.filter { $0 == .notReached }.count,
                    [0.25, 0.5, 0.75].map { quantile(reached, $0) })
        }
        func statistics(_ times: (OrderConvergence) -> [[OrderTime]]?) -> [Statistic] {
            (0..<n).flatMap { k in
                thresholds.indices.map { j in
                    let s = summary(times, k, j)
                    return Statistic(order: k + 1, epsilon: thresholds[j], reached: s.reached, trivial: s.trivial, notReached: s.notReached,
                                     q1: s.quartiles[0], median: s.quartiles[1], q3: s.quartiles[2])
                }
            }
        }
        let count = Double(max(runs.count, 1))
        /// The fraction of runs whose measure is in order; nil when some run did not measure it.
        func fraction(_ holds: (OrderConvergence) -> Bool?) -> Double? {
            let all = runs.map(holds)
            if all.contains(where: { $0 == nil }) { return nil }
            return Double(all.filter { $0 == true }.count) / count
        }
        let measuresInformation = !runs.isEmpty && runs.allSatisfy { $0.informationTimes != nil }
        let hierarchy = thresholds.indices.map { j in
            HierarchyFraction(
                epsilon: thresholds[j],
                couplings: Double(runs.filter { $0.couplingHierarchyHolds(threshold: j) }.count) / count,
                moments: Double(runs.filter { $0.momentHierarchyHolds(threshold: j) }.count) / count,
                information: measuresInformation ? fraction { $0.hierarchyHolds(.information, threshold: j) } : nil)
        }
        let measures = OrderMeasure.allCases.filter { $0 != .information || measuresInformation }
        let onsetStatistics = measures.flatMap { measure in
            (0..<n).flatMap { k in
                onsets.indices.map { j in
                    let s = summary({ $0.onsetTimes[measure] }, k, j)
                    return OnsetStatistic(measure: measure.rawValue, order: k + 1, fraction: onsets[j], reached: s.reached,
                                          trivial: s.trivial, notReached: s.notReached,
                                          q1: s.quartiles[0], median: s.quartiles[1], q3: s.quartiles[2])
                }
            }
        }
        let onsetHierarchy = onsets.indices.map { j in
            OnsetFraction(fraction: onsets[j], couplings: fraction { $0.onsetHierarchyHolds(.couplings, fraction: j) } ?? 0,
                          moments: fraction { $0.onsetHierarchyHolds(.moments, fraction: j) } ?? 0,
                          information: measuresInformation ? fraction { $0.onsetHierarchyHolds(.information, fraction: j) } : nil)
        }
        return Group(value: value, runs: runs.count, couplings: statistics(\.couplingTimes), moments: statistics(\.momentTimes),
                     information: measuresInformation ? statistics(\.informationTimes) : nil, hierarchy: hierarchy,
                     onsets: onsets.isEmpty ? nil : onsetStatistics, onsetHierarchy: onsets.isEmpty ? nil : onsetHierarchy)
    }

    /// Type-7 quantile of sorted values: `x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])`, `h = (N-1) p`.
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * p
        let i = Int(h.rounded(.down))
        guard i + 1 < sorted.count else { return sorted[i] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: path)
    }
}
