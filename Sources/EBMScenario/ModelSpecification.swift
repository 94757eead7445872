/// The parameterisation `θ -> E_θ` (docs/design.md, Models), as written in the
/// scenario's `model` block.
public struct ModelSpecification: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Fully visible generalised Ising model truncated at interaction
        /// order `order` (1...spins); `order = spins` is the full model.
        case ising(order: Int)
        /// Restricted Boltzmann machine with `hidden` hidden units.
        case rbm(hidden: Int, units: RBMUnits)
        /// Neural energy `E(s) = w · φ(... φ(W_1 s + b_1) ...) + c` with hidden
        /// widths `layers`.
        case mlp(layers: [Int], activation: Activation)
    }

    /// Values of the RBM's units: `spin` (±1, the default) or `binary` (0/1,
    /// the Bernoulli RBM); the same family, a different gradient flow.
    public enum RBMUnits: String, Sendable, Equatable, CaseIterable {
        case spin
        case binary
    }

    /// The MLP's nonlinearity `φ`.
    public enum Activation: String, Sendable, Equatable, CaseIterable {
        case tanh
        case softplus
        case silu
    }

    public var kind: Kind
    /// Names of parameters held fixed (`b[0]`, `W[1,2]`, `J{0,1}`), checked
    /// here for syntax only; the model checks that they exist.
    public var frozen: [String]

    public init(kind: Kind, frozen: [String] = []) {
        self.kind = kind
        self.frozen = frozen
    }
}

extension ModelSpecification {
    static let keysByKind: [(kind: String, keys: [String])] = [
        ("ising", ["order"]),
        ("rbm", ["hidden", "units"]),
        ("mlp", ["layers", "activation"]),
    ]

    static func decode(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> ModelSpecification? {
        guard let map = reader.map(node) else { return nil }
        let kindName = reader.kind(in: map, "model kind", common: ["kind", "frozen"], keysByKind: keysByKind)
        let frozen = map["frozen"].flatMap { decodeParameterNames($0, reader: reader) } ?? []

        // An invalid optional value falls back to its default so that decoding
        // goes on; the scenario is rejected anyway, since it was reported.
        let kind: Kind?
        switch kindName {
        case "ising":
            let bound = spins.map { "the order must be from 1 to spins = \($0)" } ?? "the order must be at least 1"
            let order = reader.value(map["order"], reader.integer) {
                (1...(spins ?? Int.max)).contains($0) ? nil : bound
            }
            kind = (order ?? spins).map { .ising(order: $0) }
        case "rbm":
            let hidden = reader.value(reader.required("hidden", in: map, "the number of hidden units"),
                                      reader.integer) { $0 >= 1 ? nil : "an rbm needs at least 1 hidden unit" }
            let units: RBMUnits? = reader.value(map["units"]) { reader.choice($0, "unit type") }
            kind = hidden.map { .rbm(hidden: $0, units: units ?? .spin) }
        case "mlp":
            let layers = reader.required("layers", in: map, "the widths of the hidden layers, e.g. [8, 8]")
                .flatMap { decodeLayers($0, reader: reader) }
            let activation: Activation? = reader.value(map["activation"]) { reader.choice($0, "activation") }
            kind = layers.map { .mlp(layers: $0, activation: activation ?? .tanh) }
        default:
            kind = nil
        }
        guard let kind else { return nil }
        return ModelSpecification(kind: kind, frozen: frozen)
    }

    /// Hidden-layer widths: at least one layer, each at least 1 wide.
    private static func decodeLayers(_ node: ScenarioNode, reader: ScenarioReader) -> [Int]? {
        guard let elements = reader.list(node) else { return nil }
        if elements.isEmpty {
            reader.report("an mlp needs at least one hidden layer", about: node)
            return nil
        }
        let widths = elements.map {
            reader.value($0, reader.integer) { $0 >= 1 ? nil : "a layer needs at least 1 unit" }
        }
        return widths.contains { $0 == nil } ? nil : widths.map { $0! }
    }

    /// A list of parameter names, each well formed and listed once.
    static func decodeParameterNames(_ node: ScenarioNode, reader: ScenarioReader) -> [String]? {
        guard let elements = reader.list(node) else { return nil }
        var names: [String] = []
        var valid = true
        for element in elements {
            guard let name = reader.parameterName(element) else {
                valid = false
                continue
            }
            if names.contains(name) {
                reader.report("parameter `\(name)` is listed twice", about: element)
                valid = false
            }
            names.append(name)
        }
        return valid ? names : nil
    }
}
