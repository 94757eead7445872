/// Where the flow starts: the initial parameters `θ(0)`, as written in the
/// scenario's `init` block. Small random starts are what the learning
/// hierarchy (docs/design.md, Orders of learning) is about, hence the default `normal(1e-3, seed 1)`.
public enum InitializationSpecification: Sendable, Equatable {
    /// Every parameter drawn from `Normal(0, scale^2)`.
    case normal(scale: Double, seed: UInt64)
    /// Every parameter drawn from `Uniform(-scale, scale)`.
    case uniform(scale: Double, seed: UInt64)
    /// Every parameter 0 (a stationary point of any RBM: use with care).
    case zeros
    /// The named parameters set, all others 0.
    case values([String: Double])

    public static let defaultScale = 1e-3
    public static let defaultSeed: UInt64 = 1
    public static let `default` = InitializationSpecification.normal(scale: defaultScale, seed: defaultSeed)
}

extension InitializationSpecification {
    static let keysByKind: [(kind: String, keys: [String])] = [
        ("normal", ["scale", "seed"]),
        ("uniform", ["scale", "seed"]),
        ("zeros", []),
        ("values", ["values"]),
    ]

    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> InitializationSpecification? {
        guard let map = reader.map(node) else { return nil }
        let kindNames = keysByKind.map(\.kind)
        let kindName = reader.value(map["kind"]) { reader.word($0, "initialisation kind", choices: kindNames) }
        let validKind = map["kind"] == nil ? "normal" : kindName
        reader.rejectUnknownKeys(in: map, common: ["kind"], keysByKind: keysByKind, kind: validKind)

        let scale = reader.value(map["scale"], reader.number, ScenarioReader.positive("scale")) ?? defaultScale
        let seed = reader.value(map["seed"], reader.seed) ?? defaultSeed
        switch validKind {
        case "normal": return .normal(scale: scale, seed: seed)
        case "uniform": return .uniform(scale: scale, seed: seed)
        case "zeros": return .zeros
        case "values":
            return reader.required("values", in: map, "a map from parameter name to starting value")
                .flatMap { decodeValues($0, reader: reader) }
                .map { .values($0) }
        default: return nil
        }
    }

    private static func decodeValues(_ node: ScenarioNode, reader: ScenarioReader) -> [String: Double]? {
        guard let map = reader.map(node) else { return nil }
        var values: [String: Double] = [:]
        for entry in map.entries {
            if let problem = ParameterName.problem(with: entry.key) {
                reader.report(problem, at: entry.value.path, entry.keyMark)
                continue
            }
            values[entry.key] = reader.number(entry.value)
        }
        return values
    }
}
