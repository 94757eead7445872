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
        return AnalysesSpecification(
            trajectory: map["trajectory"].map { TrajectorySpecification.decode($0, endTime: endTime, reader: reader) },
            orders: map["orders"].map { OrdersSpecification.decode($0, reader: reader) },
            fixedPoints: map["fixed_points"].map { FixedPointsSpecification.decode($0, reader: reader) },
            continuation: map["continuation"].flatMap {
                ContinuationSpecification.decode($0, spins: spins, isDataTarget: isDataTarget, reader: reader)
            },
            basins: map["basins"].flatMap { BasinsSpecification.decode($0, reader: reader) },
            portrait: map["portrait"].flatMap { PortraitSpecification.decode($0, reader: reader) })
    }
}
