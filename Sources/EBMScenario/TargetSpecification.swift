/// The distribution `q` the model learns (docs/design.md, Targets), as written in the
/// scenario's `target` block. The target must be strictly positive; kinds
/// that build `q` from couplings are positive by construction, `table` is
/// checked here, `data` when its file is read (a zero count with pseudocount 0).
public struct TargetSpecification: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `J*_A ~ Normal(0, scale_k^2)` for every subset `A` of order `k` in
        /// `orders`; `scales[i]` belongs to `orders[i]`.
        case random(seed: UInt64, orders: [Int], scales: [Double])
        /// `q ∝ exp(Σ J*_A χ_A)` with the listed couplings.
        case ising(couplings: [CouplingSpecification])
        /// `q ∝ exp(strength χ_{all spins} + Σ J*_A χ_A)`: information at the top order.
        case parity(strength: Double, couplings: [CouplingSpecification])
        /// The probabilities of all `2^spins` states, state `x` at index `x`;
        /// not yet normalised.
        case table(probabilities: [Double])
        /// Frequencies of binary samples in `file` (relative to the scenario's
        /// folder): `q(x) = (count(x) + α) / (N + α 2^n)`, `α = pseudocount`;
        /// `columns` picks the file's columns that are the spins, in order.
        case data(file: String, pseudocount: Double, columns: [Int]?)
    }

    public var kind: Kind
    /// Inverse temperature: multiplies every target coupling `J*`.
    public var beta: Double
    /// A `data` target's held-out split (`holdout`, `split_seed`): the
    /// target is built from the other samples, and runs report the average
    /// log-likelihood of the held-out ones.
    public var split: DataSplitSpecification?

    public init(kind: Kind, beta: Double = 1, split: DataSplitSpecification? = nil) {
        self.kind = kind
        self.beta = beta
        self.split = split
    }
}

/// `holdout: f` (`0 < f < 1`) of a data target's samples are held out, chosen
/// by a shuffle from `split_seed` (default 0).
public struct DataSplitSpecification: Sendable, Equatable {
    public var holdout: Double
    public var seed: UInt64

    public init(holdout: Double, seed: UInt64 = 0) {
        self.holdout = holdout
        self.seed = seed
    }
}

/// One target coupling `J*_A`: the sites of `A` (distinct, from 0) and its value.
public struct CouplingSpecification: Sendable, Equatable {
    public var sites: [Int]
    public var value: Double

    public init(sites: [Int], value: Double) {
        self.sites = sites
        self.value = value
    }
}

extension TargetSpecification {
    static let keysByKind: [(kind: String, keys: [String])] = [
        ("random", ["seed", "orders", "scale"]),
        ("ising", ["couplings"]),
        ("parity", ["strength", "couplings"]),
        ("table", ["probabilities"]),
        ("data", ["file", "pseudocount", "columns", "holdout", "split_seed"]),
    ]

    /// Decodes the `target` block; `spins` is `nil` when it is itself invalid,
    /// and then the checks that need it are skipped.
    static func decode(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> TargetSpecification? {
        guard let map = reader.map(node) else { return nil }
        let kindName = reader.kind(in: map, "target kind", common: ["kind", "beta"], keysByKind: keysByKind)
        let beta = reader.value(map["beta"], reader.number) ?? 1

        let kind: Kind?
        switch kindName {
        case "random": kind = decodeRandom(map, spins: spins, reader: reader)
        case "ising":
            kind = reader.value(reader.required("couplings", in: map, "an ising target is its list of couplings"),
                                { decodeCouplings($0, spins: spins, reader: reader) })
                .map { .ising(couplings: $0) }
        case "parity":
            let strength = reader.value(
                reader.required("strength", in: map, "the coupling of the parity of all spins"), reader.number)
            let couplings = map["couplings"].flatMap { decodeCouplings($0, spins: spins, reader: reader) } ?? []
            kind = strength.map { .parity(strength: $0, couplings: couplings) }
        case "table": kind = decodeTable(map, spins: spins, reader: reader)
        case "data": kind = decodeData(map, spins: spins, reader: reader)
        default: kind = nil
        }
        let split = kindName == "data" ? decodeSplit(map, reader: reader) : nil
        return kind.map { TargetSpecification(kind: $0, beta: beta, split: split) }
    }

    private static func decodeRandom(_ map: ScenarioMap, spins: Int?, reader: ScenarioReader) -> Kind? {
        let seed = reader.value(reader.required("seed", in: map, "the seed the couplings are drawn from"), reader.seed)
        let orders = reader.required("orders", in: map, "the interaction orders that get random couplings")
            .flatMap { decodeOrders($0, spins: spins, reader: reader) }
        let scales = reader.required("scale", in: map, "the standard deviation of the couplings, one or one per order")
            .flatMap { decodeScales($0, orderCount: orders?.count, reader: reader) }
        guard let seed, let orders, let scales else { return nil }
        return .random(seed: seed, orders: orders, scales: scales)
    }

    /// Listed orders: at least one, each in 1...spins, each once.
    private static func decodeOrders(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> [Int]? {
        let rule = spins.map { "orders run from 1 to spins = \($0)" } ?? "orders count from 1"
        let range = 1...(spins ?? Int.max)
        guard let orders = reader.distinctIntegers(node, noun: "order", range: range, rangeRule: rule) else {
            return nil
        }
        if orders.isEmpty {
            reader.report("list at least one interaction order", about: node)
            return nil
        }
        return orders
    }

    /// One positive number for every order, or one per listed order.
    private static func decodeScales(_ node: ScenarioNode, orderCount: Int?, reader: ScenarioReader) -> [Double]? {
        let positive = ScenarioReader.positive("a scale")
        if case .sequence = node.node {
            guard let elements = reader.list(node) else { return nil }
            let scales = elements.map { reader.value($0, reader.number, positive) }
            if let orderCount, elements.count != orderCount {
                reader.report("expected \(orderCount) numbers (one per listed order), got \(elements.count)",
                              about: node)
                return nil
            }
            return scales.contains { $0 == nil } ? nil : scales.map { $0! }
        }
        guard let scale = reader.value(node, reader.number, positive), let orderCount else { return nil }
        return [Double](repeating: scale, count: orderCount)
    }

    static func decodeCouplings(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> [CouplingSpecification]? {
        guard let elements = reader.list(node) else { return nil }
        var couplings: [CouplingSpecification] = []
        var firstPathBySites: [[Int]: String] = [:]
        var valid = true
        for element in elements {
            guard let coupling = decodeCoupling(element, spins: spins, reader: reader) else {
                valid = false
                continue
            }
            let key = coupling.sites.sorted()
            if let first = firstPathBySites[key] {
                reader.report("a coupling on sites \(key) is already given in `\(first)`", about: element)
                valid = false
            }
            firstPathBySites[key] = firstPathBySites[key] ?? element.path
            couplings.append(coupling)
        }
        return valid ? couplings : nil
    }

    private static func decodeCoupling(_ node: ScenarioNode, spins: Int?,
                                       reader: ScenarioReader) -> CouplingSpecification? {
        guard let map = reader.block(node, keys: ["sites", "value"]) else { return nil }
        let sites = reader.required("sites", in: map, "the spins the coupling acts on")
            .flatMap { decodeSites($0, spins: spins, reader: reader) }
        let value = reader.value(reader.required("value", in: map, "the coupling's value"), reader.number)
        guard let sites, let value else { return nil }
        return CouplingSpecification(sites: sites, value: value)
    }

    /// Sites of one coupling: at least one, distinct, each in 0..<spins.
    private static func decodeSites(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> [Int]? {
        let rule = spins.map { "sites run from 0 to \($0 - 1) (spins = \($0))" } ?? "sites count from 0"
        let range = 0...((spins ?? Int.max) - 1)
        guard let sites = reader.distinctIntegers(node, noun: "site", range: range, rangeRule: rule) else { return nil }
        if sites.isEmpty {
            reader.report("a coupling needs at least one site", about: node)
            return nil
        }
        return sites
    }

    private static func decodeTable(_ map: ScenarioMap, spins: Int?, reader: ScenarioReader) -> Kind? {
        guard let node = reader.required("probabilities", in: map, "one probability per state"),
              let probabilities = reader.list(node, of: reader.number) else {
            return nil
        }
        if let spins, probabilities.count != 1 << spins {
            let count = "2^\(spins) = \(1 << spins)"
            reader.report("expected \(count) probabilities (one per state), got \(probabilities.count)", about: node)
            return nil
        }
        if let bad = probabilities.firstIndex(where: { !($0 > 0) }), case let .sequence(elements) = node.node {
            reader.report("the probability of state \(bad) is \(reader.describe(elements[bad])): the target must be "
                          + "strictly positive (the theory needs q(x) > 0 for every state x)",
                          about: node.element(bad, elements[bad]))
            return nil
        }
        return .table(probabilities: probabilities)
    }

    private static func decodeData(_ map: ScenarioMap, spins: Int?, reader: ScenarioReader) -> Kind? {
        let file = reader.value(reader.required("file", in: map, "the file of samples"), reader.string)
        let pseudocount = reader.value(map["pseudocount"], reader.number) { $0 >= 0 ? nil : "pseudocount must be >= 0" }
        let columns = map["columns"].flatMap { decodeColumns($0, spins: spins, reader: reader) }
        guard let file else { return nil }
        return .data(file: file, pseudocount: pseudocount ?? 0, columns: columns)
    }

    /// `holdout` in (0, 1); `split_seed` only with `holdout`.
    private static func decodeSplit(_ map: ScenarioMap, reader: ScenarioReader) -> DataSplitSpecification? {
        let holdout = reader.value(map["holdout"], reader.number) {
            $0 > 0 && $0 < 1 ? nil : "holdout is the fraction of samples held out, strictly between 0 and 1"
        }
        let seed = reader.value(map["split_seed"], reader.seed)
        if let node = map["split_seed"], map["holdout"] == nil {
            reader.report("split_seed chooses the held-out samples, so it needs `holdout` (e.g. holdout: 0.2)", about: node)
        }
        return holdout.map { DataSplitSpecification(holdout: $0, seed: seed ?? 0) }
    }

    /// The file's columns that are the spins: one per spin, distinct, from 0.
    private static func decodeColumns(_ node: ScenarioNode, spins: Int?, reader: ScenarioReader) -> [Int]? {
        guard let columns = reader.distinctIntegers(node, noun: "column", range: 0...Int.max,
                                                    rangeRule: "columns count from 0") else { return nil }
        if let spins, columns.count != spins {
            reader.report("expected \(spins) columns (one per spin), got \(columns.count)", about: node)
            return nil
        }
        return columns
    }
}
