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
        var file = DataFile(scenario: scenario, columns: columns + ["group", "type", "members"] + (wide ? names : []), constants: [
            ("model", model.description),
            ("fixed_points", "\(report.catalog.points.count)"),
            ("effective_models", "\(report.catalog.groupCount)"),
        ])
        file.comment("kind: data-consistent | spurious | asymptotic; index = n_unstable (Hessian eigenvalues < -eigen_tol)")
        file.comment("max_neutral_G = max |G v|/|v| over neutral eigenvectors v; group: points with the same effective couplings")
        file.comment("asymptotic rows: the Hessian inertia is that of the trajectory's last point, not of a stationary point")
        file.comment("members: found points merged into the row (symmetry images, or points of one non-isolated set: same effective model, kind and inertia, with neutral directions)")
        for (id, point) in report.catalog.points.enumerated() {
            var cells = [String(id), point.kind.rawValue, String(point.consistentToOrder), DataFile.format(point.loss),
                         DataFile.format(point.gradientNorm), String(point.index), String(point.stable), String(point.neutral),
                         String(point.unstable), DataFile.format(point.maximumNeutralCouplingChange),
                         DataFile.format(point.orbitSize), point.foundBy, String(report.catalog.groups[id]), point.type.rawValue, String(report.catalog.members[id])]
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
        let inertiaAtLastPoint: Bool
        let parameters: [String: Double]
        let canonicalParameters: [Double]
        let couplings: [String: Double]
        let eigenvalues: [Double]
        enum CodingKeys: String, CodingKey {
            case id, kind, type, group, consistentToOrder = "consistent_to_order", kl = "KL", gradNorm = "grad_norm"
            case momentGap = "moment_gap", index, stable = "n_stable", neutral = "n_neutral", unstable = "n_unstable"
            case maxNeutralG = "max_neutral_G", orbitSize = "orbit_size", foundBy = "found_by", members
            case inertiaAtLastPoint = "inertia_at_last_point", parameters, canonicalParameters = "canonical_parameters"
            case couplings, eigenvalues
        }
    }

    struct Catalog: Encodable {
        let scenario: String
        let model: String
        let expressivity: RunSummary.Expressivity?
        let effectiveModels: Int
        let failures: [[String: String]]
        let fixedPoints: [Entry]
        enum CodingKeys: String, CodingKey {
            case scenario, model, expressivity, effectiveModels = "effective_models", failures, fixedPoints = "fixed_points"
        }
    }

    public static func json(_ report: FixedPointReport, model: any EnergyModel, scenario: String) throws -> Data {
        let names = model.parameterNames
        let couplingNames = Walsh.allInteractions(spins: model.spins).map(Walsh.couplingName)
        let entries = report.catalog.points.enumerated().map { id, p in
            Entry(id: id, kind: p.kind.rawValue, type: p.type.rawValue, group: report.catalog.groups[id],
                  consistentToOrder: p.consistentToOrder, kl: p.loss, gradNorm: p.gradientNorm, momentGap: p.momentGap,
                  index: p.index, stable: p.stable, neutral: p.neutral, unstable: p.unstable,
                  maxNeutralG: p.maximumNeutralCouplingChange, orbitSize: p.orbitSize, foundBy: p.foundBy,
                  members: report.catalog.members[id],
                  inertiaAtLastPoint: p.inertiaAtLastPoint,
                  parameters: Dictionary(uniqueKeysWithValues: zip(names, p.parameters)),
                  canonicalParameters: p.canonicalParameters,
                  couplings: Dictionary(uniqueKeysWithValues: zip(couplingNames, p.couplings)), eigenvalues: p.eigenvalues)
        }
        let catalog = Catalog(scenario: scenario, model: model.description, expressivity: ExpressivityReport.generic(model),
                              effectiveModels: report.catalog.groupCount,
                              failures: report.failures.map { ["method": $0.method, "start": String($0.start), "reason": $0.reason] },
                              fixedPoints: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(catalog) + Data("\n".utf8)
    }

    /// The stdout table: one line per fixed point.
    public static func summaryLines(_ report: FixedPointReport) -> [String] {
        var lines = ["fixed points: \(report.catalog.points.count) (\(report.catalog.groupCount) effective models), \(report.failures.count) starts failed"]
        lines.append("  id  kind             order  KL            |grad L|    type        s/n/u        max|Gv|/|v|  members  found by")
        func padded(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        for (id, p) in report.catalog.points.enumerated() {
            lines.append("  " + padded(String(id), 3) + " " + padded(p.kind.rawValue, 16) + " "
                + String(format: "%5d  %-12.6e  %-10.3e  ", p.consistentToOrder, p.loss, p.gradientNorm)
                + padded(p.type.rawValue, 10) + "  " + String(format: "%3d/%3d/%3d  %-11.3e  %7d  ", p.stable, p.neutral, p.unstable, p.maximumNeutralCouplingChange,
                                       report.catalog.members[id])
                + p.foundBy)
        }
        return lines
    }
}
