/// The `sweep` block: the same scenario run for several members that differ
/// in one setting (`over` with its `values`) and in the initialisation seed
/// (`seeds` per value), for `ebmflow sweep`, which runs the `orders`
/// analysis for every member.
///
///     sweep: {seeds: 8, over: init_scale, values: [1.0e-3, 1.0e-2, 1.0e-1]}
///
/// Members are the values in the order listed, each with the seeds
/// `s, s+1, …, s+seeds-1` (`s` = `init.seed`), so member `i` has value
/// `values[i / seeds]` and seed `s + i % seeds`. With `over: init_seed` the
/// values are the seeds themselves and `seeds` must be 1; without `over`
/// only the seed varies. With `targets: T` (a `random` target, not with
/// `over: target_seed`) every value and seed is run on `T` targets, the
/// target seeds `u, u+1, …, u+T-1` (`u` = `target.seed`): member `i` has
/// value `values[i / (T seeds)]`, target seed `u + (i / seeds) % T` and
/// seed `s + i % seeds`.
public struct SweepSpecification: Sendable, Equatable {
    /// The setting a sweep varies, with its values.
    public enum Variation: Sendable, Equatable {
        /// `init.seed`: the initial point's seed.
        case initSeed([UInt64])
        /// `init.scale`: the spread of the initial point.
        case initScale([Double])
        /// `target.seed` of a `random` target: another target of the same kind.
        case targetSeed([UInt64])
        /// `model.hidden` of an `rbm`.
        case hidden([Int])

        public var name: String {
            switch self {
            case .initSeed: return "init_seed"
            case .initScale: return "init_scale"
            case .targetSeed: return "target_seed"
            case .hidden: return "hidden"
            }
        }

        public var count: Int {
            switch self {
            case let .initSeed(v): return v.count
            case let .initScale(v): return v.count
            case let .targetSeed(v): return v.count
            case let .hidden(v): return v.count
            }
        }

        /// The first `count` values.
        public func prefix(_ count: Int) -> Variation {
            switch self {
            case let .initSeed(v): return .initSeed(Array(v.prefix(count)))
            case let .initScale(v): return .initScale(Array(v.prefix(count)))
            case let .targetSeed(v): return .targetSeed(Array(v.prefix(count)))
            case let .hidden(v): return .hidden(Array(v.prefix(count)))
            }
        }
    }

    /// Initialisation seeds per value, at least 1.
    public var seeds: Int
    /// nil: only the seed varies.
    public var variation: Variation?
    /// Random targets per value (`targets`), at least 1.
    public var targets: Int

    public init(seeds: Int = 1, variation: Variation? = nil, targets: Int = 1) {
        self.seeds = seeds
        self.variation = variation
        self.targets = targets
    }

    public var memberCount: Int { seeds * targets * (variation?.count ?? 1) }
}

/// One run of a sweep: the scenario with its setting and seed applied.
public struct SweepMember: Sendable {
    /// 0-based, in the order of `SweepSpecification`'s members.
    public let id: Int
    /// The varied setting's value (the seed when only the seed varies).
    public let value: Double
    /// The initialisation seed.
    public let seed: UInt64
    /// The target's seed, for a `random` target (nil otherwise).
    public let targetSeed: UInt64?
    public let scenario: Scenario
}

extension SweepSpecification {
    /// The members of a sweep of `base` (whose sweep block was checked
    /// against its `init`, `target` and `model` when decoded).
    public func members(of base: Scenario) -> [SweepMember] {
        let firstSeed: UInt64
        switch base.initialization {
        case let .normal(_, seed), let .uniform(_, seed): firstSeed = seed
        default: firstSeed = 0
        }
        var firstTarget: UInt64?
        if case let .random(seed, _, _) = base.target.kind { firstTarget = seed }
        var out: [SweepMember] = []
        for v in 0..<(variation?.count ?? 1) {
            for u in 0..<targets {
            for s in 0..<seeds {
                var scenario = base
                if targets > 1, let firstTarget, case let .random(_, orders, scales) = scenario.target.kind {
                    scenario.target.kind = .random(seed: firstTarget &+ UInt64(u), orders: orders, scales: scales)
                }
                var seed = firstSeed &+ UInt64(s)
                var value = Double(seed)
                switch variation {
                case nil: break
                case let .initSeed(values)?: seed = values[v]; value = Double(seed)
                case let .initScale(values)?:
                    value = values[v]
                    scenario.initialization = scenario.initialization.withScale(value)
                case let .targetSeed(values)?:
                    value = Double(values[v])
                    if case let .random(_, orders, scales) = scenario.target.kind {
                        scenario.target.kind = .random(seed: values[v], orders: orders, scales: scales)
                    }
                case let .hidden(values)?:
                    value = Double(values[v])
                    if case let .rbm(_, units) = scenario.model.kind { scenario.model.kind = .rbm(hidden: values[v], units: units) }
                }
                scenario.initialization = scenario.initialization.withSeed(seed)
                var targetSeed: UInt64?
                if case let .random(seed, _, _) = scenario.target.kind { targetSeed = seed }
                out.append(SweepMember(id: out.count, value: value, seed: seed, targetSeed: targetSeed, scenario: scenario))
            }
            }
        }
        return out
    }

    static let keys = ["seeds", "over", "values", "targets"]

    static func decode(_ node: ScenarioNode, initialization: InitializationSpecification, target: TargetSpecification?,
                       model: ModelSpecification?, reader: ScenarioReader) -> SweepSpecification? {
        guard let map = reader.block(node, keys: keys) else { return nil }
        let seeds = reader.value(map["seeds"], reader.integer, ScenarioReader.atLeast(1, "seeds"))
        let targets = reader.value(map["targets"], reader.integer, ScenarioReader.atLeast(1, "targets"))
        if let targets, targets > 1, let node = map["targets"], let kind = target?.kind {
            var randomTarget = false
            if case .random = kind { randomTarget = true }
            if !randomTarget { reader.report("targets: \(targets) runs every member on \(targets) random targets (seeds from target.seed on): it needs a target of kind random; drop `targets` for this target", about: node) }
        }
        let overNames = ["init_seed", "init_scale", "target_seed", "hidden"]
        let over = reader.value(map["over"]) { reader.word($0, "swept setting", choices: overNames) }
        var random = false
        switch initialization {
        case .normal, .uniform: random = true
        default: break
        }
        if (seeds ?? 1) > 1 || over == "init_seed" || over == "init_scale", !random, let mark = map["seeds"] ?? map["over"] {
            reader.report("varying the initialisation needs a random init (kind normal or uniform)", about: mark)
        }
        if map["values"] != nil && map["over"] == nil {
            reader.report("values need `over`: the setting they are values of (\(overNames.joined(separator: ", ")))",
                          about: map["values"]!)
            return nil
        }
        guard let over else {
            if map["over"] == nil && (map["seeds"] == nil || seeds == 1) && (targets ?? 1) < 2 {
                reader.report("a sweep needs seeds >= 2 or `over` with `values`", about: map["seeds"] ?? node)
            }
            return seeds.map { SweepSpecification(seeds: $0, targets: targets ?? 1) }
        }
        if over == "target_seed", let targets, targets > 1, let node = map["targets"] {
            reader.report("with over: target_seed the values are the target seeds; drop `targets` (or set it to 1)", about: node)
        }
        if over == "init_seed", let seeds, seeds > 1, let node = map["seeds"] {
            reader.report("with over: init_seed the values are the seeds; drop `seeds` (or set it to 1)", about: node)
        }
        if over == "target_seed", let kind = target?.kind {
            if case .random = kind {} else { reader.report("over: target_seed needs a target of kind random", about: map["over"]!) }
        }
        if over == "hidden", let kind = model?.kind {
            if case .rbm = kind {} else { reader.report("over: hidden needs a model of kind rbm", about: map["over"]!) }
        }
        guard let valuesNode = reader.required("values", in: map, "the values of `\(over)` to run"),
              let elements = reader.list(valuesNode) else { return nil }
        if elements.isEmpty {
            reader.report("list at least one value", about: valuesNode)
            return nil
        }
        func distinct<Value: Equatable>(_ read: (ScenarioNode) -> Value?) -> [Value]? {
            var values: [Value] = []
            var valid = true
            for element in elements {
                guard let value = read(element) else { valid = false; continue }
                if values.contains(value) {
                    reader.report("value \(reader.describe(element.node)) is listed twice", about: element)
                    valid = false
                }
                values.append(value)
            }
            return valid ? values : nil
        }
        let variation: Variation?
        switch over {
        case "init_seed": variation = distinct { reader.value($0, reader.seed) }.map { .initSeed($0) }
        case "target_seed": variation = distinct { reader.value($0, reader.seed) }.map { .targetSeed($0) }
        case "init_scale":
            variation = distinct { reader.value($0, reader.number, ScenarioReader.positive("a scale")) }
                .map { .initScale($0) }
        default:
            variation = distinct { reader.value($0, reader.integer) { $0 >= 1 ? nil : "an rbm needs at least 1 hidden unit" } }
                .map { .hidden($0) }
        }
        guard let variation else { return nil }
        return SweepSpecification(seeds: seeds ?? 1, variation: variation, targets: targets ?? 1)
    }
}

extension InitializationSpecification {
    func withSeed(_ seed: UInt64) -> InitializationSpecification {
        switch self {
        case let .normal(scale, _): return .normal(scale: scale, seed: seed)
        case let .uniform(scale, _): return .uniform(scale: scale, seed: seed)
        default: return self
        }
    }

    func withScale(_ scale: Double) -> InitializationSpecification {
        switch self {
        case let .normal(_, seed): return .normal(scale: scale, seed: seed)
        case let .uniform(_, seed): return .uniform(scale: scale, seed: seed)
        default: return self
        }
    }
}
