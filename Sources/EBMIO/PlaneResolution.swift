import EBMAnalysis
import EBMCore
import EBMScenario

/// Scenario plane specifications → planes in the free-parameter space.
enum PlaneResolution {
    static func plane(_ spec: PlaneSpecification, keyPath: String, resolved: ResolvedScenario,
                      catalog: FixedPointCatalog, trajectoryEnd: () throws -> [Double]) throws -> Plane {
        let objective = resolved.objective
        func center(_ c: PlaneSpecification.Center) throws -> [Double] {
            switch c {
            case .initialization: return objective.freeParameters(resolved.initialParameters)
            case .end: return try trajectoryEnd()
            case .catalog:
                guard let first = catalog.points.first else {
                    throw ResolutionError(keyPath: keyPath + ".center", message: "`catalog` centres the plane on fixed point 0, but the catalog is empty; add a fixed_points analysis or use init/end")
                }
                return objective.freeParameters(first.parameters)
            }
        }
        do {
            switch spec {
            case let .axes(x, y, c):
                let names = objective.freeParameterNames.map(ParameterName.normalised)
                func index(_ name: String, _ key: String) throws -> Int {
                    guard let j = names.firstIndex(of: ParameterName.normalised(name)) else {
                        let reason = resolved.model.parameterIndex(named: name) == nil
                            ? UnknownParameterError(name: name, model: resolved.model).description
                            : "`\(name)` is frozen (model.frozen), so it cannot be a plane axis; unfreeze it or pick a free parameter"
                        throw ResolutionError(keyPath: keyPath + "." + key, message: reason)
                    }
                    return j
                }
                return try Plane.axes(center: try center(c), x: try index(x, "x"), y: try index(y, "y"), names: objective.freeParameterNames)
            case let .fixedPoints(ids):
                guard let bad = ids.first(where: { $0 >= catalog.points.count }) else {
                    let points = ids.map { objective.freeParameters(catalog.points[$0].parameters) }
                    return try Plane.through(points[0], points[1], points[2])
                }
                throw ResolutionError(keyPath: keyPath + ".fixed_points",
                                      message: "fixed point \(bad) does not exist: the catalog has \(catalog.points.count) (run fixed_points first)")
            case let .random(seed, c):
                return try Plane.random(center: try center(c), seed: seed)
            }
        } catch let error as PlaneError {
            throw ResolutionError(keyPath: keyPath, message: error.message)
        }
    }
}
