/// The `orders` analysis (docs/design.md, Orders of learning): for each threshold `ε` the time
/// `t_k(ε)` after which order `k` stays within `ε` of its final value,
/// `r_k(t) <= ε`, found by CVODE root finding.
public struct OrdersSpecification: Sendable, Equatable {
    /// `epsilon`: each in (0, 1), each once.
    public var thresholds: [Double]

    public init(thresholds: [Double] = [0.1, 0.01, 0.001]) {
        self.thresholds = thresholds
    }
}

extension OrdersSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> OrdersSpecification {
        let defaults = OrdersSpecification()
        guard let map = reader.block(node, keys: ["epsilon"]) else { return defaults }
        guard let list = map["epsilon"], let elements = reader.list(list) else { return defaults }
        if elements.isEmpty {
            reader.report("list at least one epsilon", about: list)
        }
        var thresholds: [Double] = []
        for element in elements {
            guard let epsilon = reader.value(element, reader.number, {
                $0 > 0 && $0 < 1 ? nil : "epsilon is a fraction of the way still to go: it must lie in (0, 1)"
            }) else { continue }
            if thresholds.contains(epsilon) {
                reader.report("epsilon \(epsilon) is listed twice", about: element)
            }
            thresholds.append(epsilon)
        }
        return OrdersSpecification(thresholds: thresholds)
    }
}
