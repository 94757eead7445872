/// The `basins` analysis (docs/analyses.md, basins): integrate from every point of a
/// grid on a plane until `|∇L| < tolerance` or `t_max`, and label each point
/// with the fixed point it reaches.
public struct BasinsSpecification: Sendable, Equatable {
    public var plane: PlaneSpecification
    public var range: PlaneRange
    /// Grid points per axis, at least 2 each.
    public var resolution: GridSize
    /// `t_max`: the time limit of each integration; positive.
    public var maximumTime: Double
    /// `tol`: `|∇L|` below which an integration has arrived; positive.
    public var tolerance: Double
    /// `label_by`: what makes two end points the same attractor.
    public var labelBy: Labelling

    /// `parameters`: end points equal in parameter space (symmetry images
    /// are distinct attractors); `effective_model`: end points with the same
    /// effective couplings (a manifold of fixed points is one attractor).
    public enum Labelling: String, Sendable, Equatable, CaseIterable {
        case parameters
        case effectiveModel = "effective_model"
    }

    public static let defaultRange = PlaneRange(x: -3...3, y: -3...3)

    public init(plane: PlaneSpecification, range: PlaneRange = defaultRange,
                resolution: GridSize = GridSize(x: 200, y: 200), maximumTime: Double = 1e4, tolerance: Double = 1e-8,
                labelBy: Labelling = .parameters) {
        self.plane = plane
        self.range = range
        self.resolution = resolution
        self.maximumTime = maximumTime
        self.tolerance = tolerance
        self.labelBy = labelBy
    }
}

extension BasinsSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> BasinsSpecification? {
        guard let map = reader.block(node, keys: ["plane", "range", "resolution", "t_max", "tol", "label_by"]) else {
            return nil
        }
        let positive = ScenarioReader.positive()
        let plane = reader.required("plane", in: map, "the plane the basins are mapped on")
            .flatMap { PlaneSpecification.decode($0, reader: reader) }
        let range = map["range"].flatMap { PlaneRange.decode($0, reader: reader) }
        let resolution = map["resolution"].flatMap { GridSize.decode($0, minimum: 2, reader: reader) }
        let maximumTime = reader.value(map["t_max"], reader.number, positive)
        let tolerance = reader.value(map["tol"], reader.number, positive)
        let labelBy: Labelling? = reader.value(map["label_by"]) { reader.choice($0, "label_by") }
        guard let plane else { return nil }
        let defaults = BasinsSpecification(plane: plane)
        return BasinsSpecification(plane: plane, range: range ?? defaults.range,
                                   resolution: resolution ?? defaults.resolution,
                                   maximumTime: maximumTime ?? defaults.maximumTime,
                                   tolerance: tolerance ?? defaults.tolerance,
                                   labelBy: labelBy ?? defaults.labelBy)
    }
}
