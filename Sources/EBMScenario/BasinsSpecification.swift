/// The `basins` analysis (docs/analyses.md, basins): integrate from every point of a
/// grid on a plane until `|∇L| < tolerance` (or, with `certify`, until the
/// start enters a region certified to lie in a known attractor's basin),
/// going on past `t_max` up to `t_limit` while a start is still moving
/// (escapes are told apart there, over the last decade), and label each
/// point with the fixed point it reaches.
public struct BasinsSpecification: Sendable, Equatable {
    public var plane: PlaneSpecification
    public var range: PlaneRange
    /// Grid points per axis, at least 2 each.
    public var resolution: GridSize
    /// `t_max`: the time by which a start is expected to arrive; one still
    /// moving goes on to `t_limit` (with `t_limit = t_max`, the time limit
    /// of each integration, as in 0.1); positive, at most 1e300.
    public var maximumTime: Double
    /// `tol`: `|∇L|` below which an integration has arrived; positive.
    public var tolerance: Double
    /// `label_by`: what makes two end points the same attractor.
    public var labelBy: Labelling
    /// `t_limit`: how long a start still moving at `t_max` goes on, and
    /// where escapes are told apart; at least `t_max`; default `100 t_max`.
    public var limitTime: Double
    /// `certify`: stop a start once it enters a certified region of a
    /// known attractor's basin (default true).
    public var certify: Bool
    /// `refine`: map from a coarse pass, integrating finer points only
    /// where the labels around them differ (default false).
    public var refine: Bool

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
                labelBy: Labelling = .parameters, limitTime: Double? = nil, certify: Bool = true, refine: Bool = false) {
        self.plane = plane
        self.range = range
        self.resolution = resolution
        self.maximumTime = maximumTime
        self.tolerance = tolerance
        self.labelBy = labelBy
        self.limitTime = limitTime ?? 100 * maximumTime
        self.certify = certify
        self.refine = refine
    }
}

extension BasinsSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> BasinsSpecification? {
        guard let map = reader.block(node, keys: ["plane", "range", "resolution", "t_max", "tol", "label_by",
                                                      "t_limit", "certify", "refine"]) else {
            return nil
        }
        let positive = ScenarioReader.positive()
        let plane = reader.required("plane", in: map, "the plane the basins are mapped on")
            .flatMap { PlaneSpecification.decode($0, reader: reader) }
        let range = map["range"].flatMap { PlaneRange.decode($0, reader: reader) }
        let resolution = map["resolution"].flatMap { GridSize.decode($0, minimum: 2, reader: reader) }
        let maximumTime = reader.value(map["t_max"], reader.number) { t in
            positive(t) ?? (t <= 1e300 ? nil : "must be at most 1e300 (t_limit defaults to 100 t_max)")
        }
        let tolerance = reader.value(map["tol"], reader.number, positive)
        let labelBy: Labelling? = reader.value(map["label_by"]) { reader.choice($0, "label_by") }
        let defaults = BasinsSpecification(plane: .fixedPoints([]), maximumTime: maximumTime ?? 1e4)
        // Compared with t_max only when t_max itself is valid (or absent).
        let maximumTimeValid = map["t_max"] == nil || maximumTime != nil
        let limitTime = reader.value(map["t_limit"], reader.number) { limit in
            positive(limit) ?? (limit >= defaults.maximumTime || !maximumTimeValid ? nil
                : "t_limit must be at least t_max = \(ScenarioReader.format(defaults.maximumTime)) (starts go on past t_max up to t_limit)")
        }
        let certify = reader.value(map["certify"]) { reader.word($0, "certify", choices: ["true", "false"]) }
        let refine = reader.value(map["refine"]) { reader.word($0, "refine", choices: ["true", "false"]) }
        guard let plane else { return nil }
        return BasinsSpecification(plane: plane, range: range ?? defaults.range,
                                   resolution: resolution ?? defaults.resolution,
                                   maximumTime: defaults.maximumTime,
                                   tolerance: tolerance ?? defaults.tolerance,
                                   labelBy: labelBy ?? defaults.labelBy,
                                   limitTime: limitTime ?? defaults.limitTime,
                                   certify: certify.map { $0 == "true" } ?? defaults.certify,
                                   refine: refine.map { $0 == "true" } ?? defaults.refine)
    }
}
