/// The analyses a scenario asks for, each with its options; `nil` means not
/// requested. An analysis written with no options (`trajectory:` or
/// `trajectory: {}`) is requested with its defaults.
public struct AnalysesSpecification: Sendable, Equatable {
    public var trajectory: TrajectorySpecification?
    public var orders: OrdersSpecification?
    public var fixedPoints: FixedPointsSpecification?
    public var continuation: ContinuationSpecification?
    public var basins: BasinsSpecification?
    public var portrait: PortraitSpecification?

    public init(trajectory: TrajectorySpecification? = nil, orders: OrdersSpecification? = nil,
                fixedPoints: FixedPointsSpecification? = nil, continuation: ContinuationSpecification? = nil,
                basins: BasinsSpecification? = nil, portrait: PortraitSpecification? = nil) {
        self.trajectory = trajectory
        self.orders = orders
        self.fixedPoints = fixedPoints
        self.continuation = continuation
        self.basins = basins
        self.portrait = portrait
    }

    /// Whether no analysis is requested.
    public var isEmpty: Bool { self == AnalysesSpecification() }
}

extension AnalysesSpecification {
    static let keys = ["trajectory", "orders", "fixed_points", "continuation", "basins", "portrait"]

    static func decode(_ node: ScenarioNode, spins: Int?, endTime: Double, isDataTarget: Bool,
                       reader: ScenarioReader) -> AnalysesSpecification {
        guard let map = reader.block(node, keys: keys) else { return AnalysesSpecification() }
        let basins = map["basins"].flatMap { BasinsSpecification.decode($0, reader: reader) }
        let portrait = map["portrait"].flatMap { PortraitSpecification.decode($0, reader: reader) }
        if let portrait, portrait.background == .basins, let portraitNode = map["portrait"] {
            // ebmflow plot draws the run's basins.dat under the portrait: it must map the same plane.
            let problem: String?
            if map["basins"] == nil {
                problem = "`basins` draws the run's basin map under the portrait, and the scenario has no analyses.basins; add one on the portrait's plane and range, or write background: none"
            } else if let basins, basins.plane != portrait.plane || basins.range != portrait.range {
                problem = "`basins` draws the basin map under the portrait, but analyses.basins maps another plane or range; give both blocks the same plane and range, or write background: none"
            } else {
                problem = nil
            }
            if let problem {
                reader.report(problem, at: ScenarioNode.path(portraitNode.path, appending: "background"),
                              portraitNode.node.mapping?["background"]?.mark ?? portraitNode.mark)
            }
        }
        return AnalysesSpecification(
            trajectory: map["trajectory"].map { TrajectorySpecification.decode($0, endTime: endTime, reader: reader) },
            orders: map["orders"].map { OrdersSpecification.decode($0, reader: reader) },
            fixedPoints: map["fixed_points"].map { FixedPointsSpecification.decode($0, reader: reader) },
            continuation: map["continuation"].flatMap {
                ContinuationSpecification.decode($0, spins: spins, isDataTarget: isDataTarget, reader: reader)
            },
            basins: basins,
            portrait: portrait)
    }
}
