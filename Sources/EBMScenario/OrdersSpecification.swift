/// The `orders` analysis (docs/design.md, Orders of learning): for each threshold `ε` the time
/// `t_k(ε)` after which order `k` stays within `ε` of its final value
/// (couplings `r_k`, moments `d_k`, connected information `I_k`), found by
/// CVODE root finding; for each fraction `f` in `onsets` the first time
/// order `k` has covered `f` of its way; and the log-log slope of
/// `|J^(k)(t) - J^(k)(0)|` over the sampled times in `growth`.
public struct OrdersSpecification: Sendable, Equatable {
    /// `epsilon`: each in (0, 1), each once.
    public var thresholds: [Double]
    /// `onsets`: fractions `f`, each in (0, 1), each once.
    public var onsets: [Double]
    /// `growth`: the window `[t_a, t_b]`, `0 < t_a < t_b`.
    public var growthWindow: ClosedRange<Double>

    public static let defaultOnsets = [0.1, 0.5]
    public static let defaultGrowthWindow = 0.1...10.0

    public init(thresholds: [Double] = [0.1, 0.01, 0.001], onsets: [Double] = defaultOnsets,
                growthWindow: ClosedRange<Double> = defaultGrowthWindow) {
        self.thresholds = thresholds
        self.onsets = onsets
        self.growthWindow = growthWindow
    }
}

extension OrdersSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> OrdersSpecification {
        let defaults = OrdersSpecification()
        guard let map = reader.block(node, keys: ["epsilon", "onsets", "growth"]) else { return defaults }
        var spec = defaults
        if let list = map["epsilon"], let thresholds = fractions(list, name: "epsilon", reader: reader,
                                                                 meaning: "epsilon is a fraction of the way still to go") {
            if thresholds.isEmpty { reader.report("list at least one epsilon", about: list) }
            spec.thresholds = thresholds
        }
        if let list = map["onsets"], let onsets = fractions(list, name: "onset", reader: reader,
                                                            meaning: "an onset is the fraction of the way already covered") {
            spec.onsets = onsets
        }
        if let window = map["growth"], let elements = reader.list(window) {
            if elements.count != 2 {
                reader.report("growth is a window of times [t_a, t_b]: expected 2 numbers, got \(elements.count)", about: window)
            } else if let from = reader.value(elements[0], reader.number, ScenarioReader.positive("a time")),
                      let to = reader.value(elements[1], reader.number, ScenarioReader.positive("a time")) {
                if from < to {
                    spec.growthWindow = from...to
                } else {
                    reader.report("the window [\(from), \(to)] is empty: write [t_a, t_b] with t_a < t_b", about: window)
                }
            }
        }
        return spec
    }

    /// A list of distinct fractions in (0, 1); nil when not a list.
    private static func fractions(_ list: ScenarioNode, name: String, reader: ScenarioReader, meaning: String) -> [Double]? {
        guard let elements = reader.list(list) else { return nil }
        var values: [Double] = []
        for element in elements {
            guard let value = reader.value(element, reader.number, {
                $0 > 0 && $0 < 1 ? nil : "\(meaning): it must lie in (0, 1)"
            }) else { continue }
            if values.contains(value) {
                reader.report("\(name) \(value) is listed twice", about: element)
            }
            values.append(value)
        }
        return values
    }
}
