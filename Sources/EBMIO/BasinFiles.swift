import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import Foundation

/// What a basin map was run with (after `--quick`, if given), for `basins.json`.
public struct BasinSettings: Encodable, Sendable {
    let tMax: Double
    let tLimit: Double
    let tol: Double
    let labelBy: String
    let certify: Bool
    let refine: Bool
    enum CodingKeys: String, CodingKey {
        case tMax = "t_max", tLimit = "t_limit", tol, labelBy = "label_by", certify, refine
    }

    public init(tMax: Double, tLimit: Double, tol: Double, labelBy: String, certify: Bool, refine: Bool) {
        (self.tMax, self.tLimit, self.tol, self.labelBy, self.certify, self.refine) = (tMax, tLimit, tol, labelBy, certify, refine)
    }
}

/// `basins.dat`, `basin_times.dat`, `basins_legend.dat`, `basins.json`.
public enum BasinFiles {
    public static func labels(_ map: BasinMap, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["x", "y", "label"], constants: [
            ("plane", "theta = theta_c + x u + y v"),
            ("x_axis", map.plane.xName),
            ("y_axis", map.plane.yName),
            ("labels", "attractor id (basins_legend.dat maps it to a fixed point); -1 still moving at t_limit, -2 escaped to infinity (judged over the last decade before t_limit), -3 solver failed"),
        ])
        for (j, y) in map.ys.enumerated() {
            for (i, x) in map.xs.enumerated() { file.append([x, y, Double(map.labels[j][i].code)]) }
            file.endBlock()
        }
        return file
    }

    public static func times(_ map: BasinMap, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["x", "y", "t_converged", "t_labelled"])
        file.comment("t_converged: time to reach |grad L| < tol from each start; nan where it was not integrated that far")
        file.comment("t_labelled: time at which the attractor became certain (convergence, or entry into a certified region); nan where no attractor")
        for (j, y) in map.ys.enumerated() {
            for (i, x) in map.xs.enumerated() { file.append([x, y, map.times[j][i] ?? .nan, map.labelTimes[j][i] ?? .nan]) }
            file.endBlock()
        }
        return file
    }

    public static func legend(_ map: BasinMap, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["label", "fixed_point", "kind", "type", "fraction"])
        file.comment("fixed_point: id in the run's fixed-point catalog (symmetry images of one fixed point share it)")
        let fractions = map.fractions
        for label in fractions.keys.sorted() {
            let fraction = DataFile.format(fractions[label]!)
            switch label {
            case let .attractor(id):
                let index = map.attractors[id].catalogIndex
                let p = map.catalog.points[index]
                file.append(cells: [String(id), String(index), p.kind.rawValue, p.type.rawValue, fraction])
            case .unconverged: file.append(cells: ["-1", "-", "unconverged", "-", fraction])
            case .escaped: file.append(cells: ["-2", "-", "escaped", "-", fraction])
            case .failed: file.append(cells: ["-3", "-", "solver-failed", "-", fraction])
            }
        }
        return file
    }

    struct Summary: Encodable {
        let grid: [Int]
        let fractions: [String: Double]
        let boundaryFraction: Double
        let basinEntropy: Double
        let convergenceTime: [String: Double]?
        let labelTime: [String: Double]?
        let failures: [String]
        let unresolved: [String: Int]
        let labelledBy: [String: Int]
        let certifiedRegions: [Region]
        let settings: BasinSettings?
        struct Region: Encodable {
            let attractor: Int?
            let radius: Double
            /// `survey` (before the rows) or `map` (learned from the rows' ends).
            let foundBy: String
            enum CodingKeys: String, CodingKey { case attractor, radius, foundBy = "found_by" }
        }
        enum CodingKeys: String, CodingKey {
            case grid, fractions, boundaryFraction = "boundary_fraction", basinEntropy = "basin_entropy"
            case convergenceTime = "convergence_time", labelTime = "label_time", failures, unresolved, labelledBy = "labelled_by"
            case certifiedRegions = "certified_regions", settings
        }
    }

    public static func json(_ map: BasinMap, settings: BasinSettings? = nil) throws -> Data {
        /// min, quartiles, max and mean; nil when empty.
        func statistics(_ values: [Double]) -> [String: Double]? {
            let times = values.sorted()
            guard !times.isEmpty else { return nil }
            func quantile(_ q: Double) -> Double {
                let position = q * Double(times.count - 1)
                let lo = Int(position.rounded(.down)), hi = min(lo + 1, times.count - 1)
                return times[lo] + (position - Double(lo)) * (times[hi] - times[lo])
            }
            return ["min": times[0], "q1": quantile(0.25), "median": quantile(0.5), "q3": quantile(0.75),
                    "max": times[times.count - 1], "mean": times.reduce(0, +) / Double(times.count)]
        }
        let timeStatistics = statistics(map.times.flatMap { $0 }.compactMap { $0 })
        let summary = Summary(grid: [map.xs.count, map.ys.count],
                              fractions: Dictionary(uniqueKeysWithValues: map.fractions.map { (String($0.key.code), $0.value) }),
                              boundaryFraction: map.boundaryFraction, basinEntropy: map.basinEntropy(),
                              convergenceTime: timeStatistics,
                              labelTime: statistics(map.labelTimes.flatMap { $0 }.compactMap { $0 }), failures: map.failures,
                              unresolved: ["still_moving_at_t_limit": map.unresolved.unconverged, "solver_failed": map.unresolved.failed],
                              labelledBy: ["convergence": map.convergedCount, "certified_region": map.certifiedCount,
                                           "inferred": map.inferredCount, "survey_starts": map.surveyStarts],
                              certifiedRegions: map.certificates.indices.map { k in
                                  Summary.Region(attractor: map.certifiedAttractors[k], radius: map.certificates[k].radius,
                                                 foundBy: k < map.surveyCertificates ? "survey" : "map") },
                              settings: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(summary) + Data("\n".utf8)
    }
}

/// `field.dat`, `nullclines.dat`, `orbits.dat`, `orbit_arrows.dat`, `portrait_points.dat`.
public enum PortraitFiles {
    public static func field(_ portrait: PhasePortrait, scenario: String, background: String = "none") -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["x", "y", "dx", "dy"], constants: [
            ("plane", "theta = theta_c + x u + y v"),
            ("x_axis", portrait.plane.xName),
            ("y_axis", portrait.plane.yName),
            ("background", background),
        ])
        file.comment("projection of the flow -grad L onto the plane's directions u and v")
        for (j, y) in portrait.ys.enumerated() {
            for (i, x) in portrait.xs.enumerated() { file.append([x, y, portrait.field[j][i].dx, portrait.field[j][i].dy]) }
            file.endBlock()
        }
        return file
    }

    public static func nullclines(_ portrait: PhasePortrait, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["x", "y"])
        file.comment("data set 0 (index 0): dx = 0; data set 1 (index 1): dy = 0; one block per segment")
        file.comment("every point lies on its nullcline to |component| <= 1e-10 and within 1e-10 of it on the plane (root bracketed on an edge of a grid 4x finer than field.dat's)")
        for (set, segments) in [portrait.nullclines.x, portrait.nullclines.y].enumerated() {
            for s in segments {
                file.append([s.x0, s.y0])
                file.append([s.x1, s.y1])
                file.endBlock()
            }
            if set == 0 { file.endBlock() }
        }
        return file
    }

    public static func orbits(_ portrait: PhasePortrait, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["t", "x", "y"])
        file.comment("orbits integrated in the full parameter space, projected onto the plane; one block per orbit")
        for orbit in portrait.orbits {
            for p in orbit { file.append([p.t, p.x, p.y]) }
            file.endBlock()
        }
        return file
    }

    /// Where each orbit goes: the unit direction of travel (in the plane)
    /// at a third and at two thirds of its projected length.
    public static func orbitArrows(_ portrait: PhasePortrait, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["x", "y", "dx", "dy"])
        file.comment("direction of travel along each orbit of orbits.dat (unit vector in plane coordinates), two per orbit")
        for orbit in portrait.orbits where orbit.count >= 2 {
            var lengths = [0.0]
            for k in 1..<orbit.count {
                lengths.append(lengths[k - 1] + hypot(orbit[k].x - orbit[k - 1].x, orbit[k].y - orbit[k - 1].y))
            }
            guard let total = lengths.last, total > 0 else { continue }
            for fraction in [1.0 / 3, 2.0 / 3] {
                guard let k = lengths.firstIndex(where: { $0 >= fraction * total }), k > 0 else { continue }
                let dx = orbit[k].x - orbit[k - 1].x, dy = orbit[k].y - orbit[k - 1].y
                let norm = hypot(dx, dy)
                guard norm > 0 else { continue }
                file.append([orbit[k - 1].x, orbit[k - 1].y, dx / norm, dy / norm])
            }
        }
        return file
    }

    /// Catalog fixed points projected onto the plane, with their distance to it.
    public static func points(_ catalog: FixedPointCatalog, plane: Plane, objective: LearningObjective, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["id", "x", "y", "distance", "kind", "type"])
        file.comment("distance: from the fixed point to the plane (0 when it lies in it)")
        for (id, p) in catalog.points.enumerated() {
            let theta = objective.freeParameters(p.parameters)
            let c = plane.coordinates(of: theta)
            let distance = Vector.norm(Vector.difference(theta, plane.point(c.x, c.y)))
            file.append(cells: [String(id), DataFile.format(c.x), DataFile.format(c.y), DataFile.format(distance), p.kind.rawValue, p.type.rawValue])
        }
        return file
    }
}
