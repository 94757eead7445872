import EBMAnalysis
import EBMScenario
import Foundation

/// `portrait`: the flow's field, nullclines and orbits on a plane, with
/// the catalog's points.
enum PortraitStep {
    static func run(_ run: RunContext) throws {
        guard let spec = run.scenario.analyses.portrait else { return }
        let resolved = run.resolved
        let (plane, xs, ys) = try run.grid(spec.plane, keyPath: "analyses.portrait.plane", range: spec.range, size: spec.grid)
        let starts = spec.orbits.grid.x < 2 || spec.orbits.grid.y < 2 ? [(x: 0.0, y: 0.0)]
            : gridValues(spec.range.y, count: spec.orbits.grid.y).flatMap { y in
                gridValues(spec.range.x, count: spec.orbits.grid.x).map { x in (x: x, y: y) } }
        run.progress.say("portrait: field on \(xs.count) x \(ys.count), \(starts.count) orbits")
        let portrait = try PhasePortrait.compute(objective: resolved.objective, method: resolved.method, plane: plane,
                                                 xs: xs, ys: ys, orbitStarts: starts, orbitTime: spec.orbits.maximumTime,
                                                 stop: run.options.stop) { run.progress.update($0) }
        try run.write(PortraitFiles.field(portrait, scenario: run.name, background: spec.background.rawValue), "field.dat")
        try run.write(PortraitFiles.nullclines(portrait, scenario: run.name), "nullclines.dat")
        try run.write(PortraitFiles.orbits(portrait, scenario: run.name), "orbits.dat")
        try run.write(PortraitFiles.orbitArrows(portrait, scenario: run.name), "orbit_arrows.dat")
        try run.write(PortraitFiles.points(run.catalog, plane: plane, objective: resolved.objective, scenario: run.name),
                      "portrait_points.dat")
        run.report.lines.append("portrait: \(portrait.orbits.count) orbits, \(portrait.nullclines.x.count + portrait.nullclines.y.count) nullcline segments"
            + (portrait.orbitFailures.isEmpty ? "" : ", \(portrait.orbitFailures.count) orbits failed"))
    }
}
