import EBMAnalysis
import EBMCore
import Foundation

/// `fixed_points.dat` and `fixed_points.json` (docs/output-files.md).
public enum FixedPointFiles {
    public static let columns = ["id", "kind", "consistent_to_order", "KL", "grad_norm", "index", "n_stable", "n_neutral",
                                 "n_unstable", "max_neutral_G", "orbit_size", "found_by"]

    public static func table(_ report: FixedPointReport, model: any EnergyModel, scenario: String) -> DataFile {
        let names = model.parameterNames
        let wide = names.count <= TrajectoryFiles.parameterColumnLimit
        var file = DataFile(scenario: scenario, columns: columns + ["group", "type", "members", "visited", "visit_time", "inertia_range"]
                            + (wide ? names : []), constants: [
            ("model", model.description),
            ("fixed_points", "\(report.catalog.points.count)"),
            ("effective_models", "\(report.catalog.groupCount)"),
        ])
        file.comment("kind: data-consistent | spurious | asymptotic; index = n_unstable (Hessian eigenvalues < -eigen_tol)")
        file.comment("max_neutral_G = max |G v|/|v| over neutral eigenvectors v; group: points with the same effective couplings")
        file.comment("asymptotic rows: the Hessian inertia is that of the trajectory's last point, not of a stationary point")
        file.comment("members: found points merged into the row (symmetry images, or points of one non-isolated set: same effective model and kind, with neutral directions)")
        file.comment("a set's row shows its least saturated member (smallest |theta|); type is saddle if any member is; inertia_range: n_stable/n_neutral/n_unstable over its members")
        file.comment("visited: flows of the flows method that passed near the row (a plateau or the end Newton-polished onto it); visit_time: their times there, summed")
        for (id, point) in report.catalog.points.enumerated() {
            var cells = [String(id), point.kind.rawValue, String(point.consistentToOrder), DataFile.format(point.loss),
                         DataFile.format(point.gradientNorm), String(point.index), String(point.stable), String(point.neutral),
                         String(point.unstable), DataFile.format(point.maximumNeutralCouplingChange),
                         DataFile.format(point.orbitSize), point.foundBy, String(report.catalog.groups[id]),
                         report.catalog.type(id).rawValue, String(report.catalog.members[id]), String(report.visits[id]),
                         DataFile.format(report.visitTime[id]), report.catalog.inertia[id].text]
            if wide { cells += point.parameters.map(DataFile.format) }
            file.append(cells: cells)
        }
        return file
    }

    struct Entry: Encodable {
        let id: Int
        let kind: String
        let type: String
        let group: Int
        let consistentToOrder: Int
        let kl: Double
        let gradNorm: Double
        let momentGap: Double
        let index: Int
        let stable: Int
        let neutral: Int
        let unstable: Int
        let maxNeutralG: Double
        let orbitSize: Double
        let foundBy: String
        let members: Int
        let visited: Int
        let visitTime: Double
        let inertiaRange: String
        let inertiaAtLastPoint: Bool
        let parameters: [String: Double]
        let canonicalParameters: [Double]
        let couplings: [String: Double]
        let eigenvalues: [Double]
        enum CodingKeys: String, CodingKey {
            case id, kind, type, group, consistentToOrder = "consistent_to_order", kl = "KL", gradNorm = "grad_norm"
            case momentGap = "moment_gap", index, stable = "n_stable", neutral = "n_neutral", unstable = "n_unstable"
            case maxNeutralG = "max_neutral_G", orbitSize = "orbit_size", foundBy = "found_by", members, visited
            case visitTime = "visit_time", inertiaRange = "inertia_range"
            case inertiaAtLastPoint = "inertia_at_last_point", parameters, canonicalParameters = "canonical_parameters"
            case couplings, eigenvalues
        }
    }

    struct Catalog: Encodable {
        let scenario: String
        let model: String
        let expressivity: RunSummary.Expressivity?
        let effectiveModels: Int
        let completeness: Completeness
        let failures: [[String: String]]
        let fixedPoints: [Entry]
        enum CodingKeys: String, CodingKey {
            case scenario, model, expressivity, effectiveModels = "effective_models", completeness, failures
            case fixedPoints = "fixed_points"
        }
    }

    /// How complete the enumeration looks.
    struct Completeness: Encodable {
        /// Whether the last quarter of the random Newton starts found a new row (absent without them).
        let lastQuarterFoundNew: Bool?
        /// Rows per `consistent_to_order` (keys "0" … "n").
        let rowsByConsistentOrder: [String: Int]
        /// Rows per number of visiting flows (keys "0", "1", …).
        let rowsByVisits: [String: Int]
        enum CodingKeys: String, CodingKey {
            case lastQuarterFoundNew = "last_quarter_found_new", rowsByConsistentOrder = "rows_by_consistent_to_order"
            case rowsByVisits = "rows_by_visited"
        }
    }

    public static func json(_ report: FixedPointReport, model: any EnergyModel, scenario: String) throws -> Data {
        let names = model.parameterNames
        let couplingNames = Walsh.allInteractions(spins: model.spins).map(Walsh.couplingName)
        let entries = report.catalog.points.enumerated().map { id, p in
            Entry(id: id, kind: p.kind.rawValue, type: report.catalog.type(id).rawValue, group: report.catalog.groups[id],
                  consistentToOrder: p.consistentToOrder, kl: p.loss, gradNorm: p.gradientNorm, momentGap: p.momentGap,
                  index: p.index, stable: p.stable, neutral: p.neutral, unstable: p.unstable,
                  maxNeutralG: p.maximumNeutralCouplingChange, orbitSize: p.orbitSize, foundBy: p.foundBy,
                  members: report.catalog.members[id], visited: report.visits[id], visitTime: report.visitTime[id],
                  inertiaRange: report.catalog.inertia[id].text,
                  inertiaAtLastPoint: p.inertiaAtLastPoint,
                  parameters: Dictionary(uniqueKeysWithValues: zip(names, p.parameters)),
                  canonicalParameters: p.canonicalParameters,
                  couplings: Dictionary(uniqueKeysWithValues: zip(couplingNames, p.couplings)), eigenvalues: p.eigenvalues)
        }
        let catalog = Catalog(scenario: scenario, model: model.description, expressivity: ExpressivityReport.generic(model),
                              effectiveModels: report.catalog.groupCount,
                              completeness: Completeness(
                                lastQuarterFoundNew: report.lastQuarterFoundNew,
                                rowsByConsistentOrder: Dictionary(grouping: report.catalog.points, by: { String($0.consistentToOrder) })
                                    .mapValues(\.count),
                                rowsByVisits: Dictionary(grouping: report.visits, by: String.init).mapValues(\.count)),
                              failures: report.failures.map { ["method": $0.method, "start": String($0.start), "reason": $0.reason] },
                              fixedPoints: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(catalog) + Data("\n".utf8)
    }

    /// `enumeration.dat`: the catalog's size as the search's units were
    /// taken in order (per batch of Newton starts, then per method).
    public static func enumeration(_ report: FixedPointReport, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["step", "units", "all_units", "rows", "effective_models", "method"])
        file.comment("units: units of the method taken so far (Newton starts in batches); all_units: of every method so far")
        file.comment("rows and effective_models: the catalog's size then (a curve that flattens: the search saturates)")
        file.comment("last quarter of the Newton starts found a new row: " + (report.lastQuarterFoundNew.map { $0 ? "yes" : "no" } ?? "no Newton starts"))
        var earlier = 0
        for (step, entry) in report.enumeration.enumerated() {
            if step > 0 && report.enumeration[step - 1].method != entry.method { earlier += report.enumeration[step - 1].units }
            file.append(cells: [String(step), String(entry.units), String(earlier + entry.units), String(entry.rows),
                                String(entry.models), entry.method])
        }
        return file
    }

    /// The stdout table: one line per fixed point.
    public static func summaryLines(_ report: FixedPointReport) -> [String] {
        var lines = ["fixed points: \(report.catalog.points.count) (\(report.catalog.groupCount) effective models), \(report.failures.count) starts failed"]
        lines.append("  id  kind             order  KL            |grad L|    type        s/n/u        max|Gv|/|v|  members  visited  found by")
        func padded(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        for (id, p) in report.catalog.points.enumerated() {
            lines.append("  " + padded(String(id), 3) + " " + padded(p.kind.rawValue, 16) + " "
                + String(format: "%5d  %-12.6e  %-10.3e  ", p.consistentToOrder, p.loss, p.gradientNorm)
                + padded(report.catalog.type(id).rawValue, 10) + "  " + padded(report.catalog.inertia[id].text, 11) + "  "
                + String(format: "%-11.3e  %7d  %7d  ", p.maximumNeutralCouplingChange, report.catalog.members[id], report.visits[id])
                + p.foundBy)
        }
        return lines
    }
}
