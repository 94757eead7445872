/// The `portrait` analysis (docs/analyses.md, portrait): the flow projected on a plane,
/// sampled on a grid, with orbits integrated in the full space from a grid of
/// starts.
public struct PortraitSpecification: Sendable, Equatable {
    /// Orbits drawn on the portrait.
    public struct Orbits: Sendable, Equatable {
        /// Starts per axis, at least 1 each (1 by 1 is the centre alone).
        public var grid: GridSize
        /// `t_max`: how long each orbit is integrated; positive.
        public var maximumTime: Double

        public init(grid: GridSize = GridSize(x: 5, y: 5), maximumTime: Double = 100) {
            self.grid = grid
            self.maximumTime = maximumTime
        }
    }

    public var plane: PlaneSpecification
    public var range: PlaneRange
    /// Vector-field grid points per axis, at least 2 each.
    public var grid: GridSize
    public var orbits: Orbits
    /// `background`: what `ebmflow plot` draws under the portrait.
    public var background: Background

    /// `none`, or `basins`: the run's basin map (basins.dat, in its own
    /// plane coordinates; meant for a basins analysis on the same plane).
    public enum Background: String, Sendable, Equatable, CaseIterable {
        case none
        case basins
    }

    public static let defaultRange = PlaneRange(x: -2...2, y: -2...2)

    public init(plane: PlaneSpecification, range: PlaneRange = defaultRange, grid: GridSize = GridSize(x: 25, y: 25),
                orbits: Orbits = Orbits(), background: Background = .none) {
        self.plane = plane
        self.range = range
        self.grid = grid
        self.orbits = orbits
        self.background = background
    }
}

extension PortraitSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> PortraitSpecification? {
        guard let map = reader.block(node, keys: ["plane", "range", "grid", "orbits", "background"]) else { return nil }
        let plane = reader.required("plane", in: map, "the plane the portrait is drawn on")
            .flatMap { PlaneSpecification.decode($0, reader: reader) }
        let range = map["range"].flatMap { PlaneRange.decode($0, reader: reader) }
        let grid = map["grid"].flatMap { GridSize.decode($0, minimum: 2, reader: reader) }
        let orbits = map["orbits"].flatMap { decodeOrbits($0, reader: reader) }
        let background: Background? = reader.value(map["background"]) { reader.choice($0, "background") }
        guard let plane else { return nil }
        let defaults = PortraitSpecification(plane: plane)
        return PortraitSpecification(plane: plane, range: range ?? defaults.range, grid: grid ?? defaults.grid,
                                     orbits: orbits ?? defaults.orbits, background: background ?? defaults.background)
    }

    private static func decodeOrbits(_ node: ScenarioNode, reader: ScenarioReader) -> Orbits? {
        guard let map = reader.block(node, keys: ["grid", "t_max"]) else { return nil }
        let defaults = Orbits()
        return Orbits(
            grid: map["grid"].flatMap { GridSize.decode($0, minimum: 1, reader: reader) } ?? defaults.grid,
            maximumTime: reader.value(map["t_max"], reader.number, ScenarioReader.positive()) ?? defaults.maximumTime)
    }
}
