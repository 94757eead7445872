/// The `continuation` analysis (docs/design.md, Fixed points): follow fixed points by
/// pseudo-arclength as a parameter of the target moves from `from` to `to`,
/// detecting folds and branch points.
public struct ContinuationSpecification: Sendable, Equatable {
    /// The parameter `λ` continued in.
    public enum Parameter: Sendable, Equatable {
        /// `q_β ∝ exp(β Σ J*_A χ_A)`: multiplies every target coupling.
        case beta
        /// `q_λ = (1 - λ) uniform + λ q`, with `λ` in [0, 1].
        case mix
        /// The pseudocount `α` of a `data` target, `α >= 0`.
        case pseudocount
        /// One target coupling `J*_A`, written `J{i,j,...}` (sites ascending).
        case coupling(sites: [Int])

        /// The name as written in a scenario: `beta`, `mix`, `pseudocount`, `J{0,1}`.
        public var name: String {
            switch self {
            case .beta: return "beta"
            case .mix: return "mix"
            case .pseudocount: return "pseudocount"
            case let .coupling(sites): return "J{" + sites.map(String.init).joined(separator: ",") + "}"
            }
        }
    }

    /// Where the first branch starts.
    public enum Start: String, Sendable, Equatable, CaseIterable {
        /// The initial parameters, polished by Newton.
        case initialization = "init"
        /// Every fixed point of the catalog.
        case catalog
        /// The end of the trajectory.
        case end
    }

    /// Pseudo-arclength step sizes, `0 < minimum <= initial <= maximum`.
    public struct StepSizes: Sendable, Equatable {
        public var initial: Double = 0.01
        public var minimum: Double = 1e-8
        public var maximum: Double = 0.05
    }

    /// `curve`: a second parameter in which every fold and branch point
    /// found is followed as a curve of the plane of both.
    public struct Curve: Sendable, Equatable {
        public var parameter: Parameter
        /// The second parameter's value during the first continuation (where
        /// the curves start).
        public var from: Double
        /// The other end of its range.
        public var to: Double
    }

    public var parameter: Parameter
    /// The value of the parameter where continuation starts.
    public var from: Double
    /// The value it is continued to; different from `from`.
    public var to: Double
    public var start: Start = .initialization
    public var step = StepSizes()
    /// `max_points`: the most points computed along all branches; at least 2.
    public var maxPoints = 5000
    public var curve: Curve?
}

extension ContinuationSpecification {
    static let keys = ["parameter", "from", "to", "start", "step", "max_points", "curve"]
    static let parameterForms = "beta, mix, pseudocount or a target coupling \"J{i,j,...}\""

    /// `isDataTarget`: whether the target is `data`, the only kind with a pseudocount.
    static func decode(_ node: ScenarioNode, spins: Int?, isDataTarget: Bool,
                       reader: ScenarioReader) -> ContinuationSpecification? {
        guard let map = reader.block(node, keys: keys) else { return nil }
        let parameter = reader.required("parameter", in: map, parameterForms).flatMap {
            decodeParameter($0, spins: spins, isDataTarget: isDataTarget, reader: reader)
        }
        let (from, to) = decodeRange(map, parameter: parameter, reader: reader)
        let start: Start? = reader.value(map["start"]) { reader.choice($0, "continuation start") }
        let step = map["step"].flatMap { decodeStep($0, reader: reader) }
        let maxPoints = reader.value(map["max_points"], reader.integer, ScenarioReader.atLeast(2, "max_points"))
        let curve = map["curve"].flatMap { decodeCurve($0, first: parameter, spins: spins, isDataTarget: isDataTarget, reader: reader) }
        guard let parameter, let from, let to else { return nil }
        if map["curve"] != nil && curve == nil { return nil }
        let defaults = ContinuationSpecification(parameter: parameter, from: from, to: to)
        return ContinuationSpecification(parameter: parameter, from: from, to: to, start: start ?? defaults.start,
                                         step: step ?? defaults.step, maxPoints: maxPoints ?? defaults.maxPoints, curve: curve)
    }

    /// `from` and `to` of a block, each inside the parameter's range and
    /// different from each other.
    private static func decodeRange(_ map: ScenarioMap, parameter: Parameter?,
                                    reader: ScenarioReader) -> (Double?, Double?) {
        let domain: (Double) -> String? = { value in
            guard value.isFinite else { return "the value must be finite" }
            switch parameter {
            case .mix: return (0...1).contains(value) ? nil : "the mixture weight must lie in [0, 1]"
            case .pseudocount: return value >= 0 ? nil : "a pseudocount must be >= 0"
            default: return nil
            }
        }
        let from = reader.value(reader.required("from", in: map, "the parameter value to start from"),
                                reader.number, domain)
        let to = reader.value(reader.required("to", in: map, "the parameter value to continue to"),
                              reader.number, domain)
        if let from, let to, from == to, let node = map["to"] {
            reader.report("`from` and `to` are both \(ScenarioReader.format(from)): there is nothing to continue",
                          about: node)
        }
        return (from, to)
    }

    private static func decodeCurve(_ node: ScenarioNode, first: Parameter?, spins: Int?, isDataTarget: Bool,
                                    reader: ScenarioReader) -> Curve? {
        guard let map = reader.block(node, keys: ["parameter", "from", "to"]) else { return nil }
        let parameterNode = reader.required("parameter", in: map, "the second parameter, " + parameterForms)
        let parameter = parameterNode.flatMap { decodeParameter($0, spins: spins, isDataTarget: isDataTarget, reader: reader) }
        if let parameter, let first, let parameterNode {
            if parameter == first {
                reader.report("the curve's parameter must differ from the continuation parameter `\(first.name)`; "
                              + "choose another of \(parameterForms)", about: parameterNode)
                return nil
            }
            let pair = [parameter, first]
            if pair.contains(.pseudocount) && !pair.contains(.mix) {
                reader.report("the pseudocount combines only with `mix` in two parameters; "
                              + "use `mix` with `pseudocount`", about: parameterNode)
                return nil
            }
        }
        let (from, to) = decodeRange(map, parameter: parameter, reader: reader)
        guard let parameter, let from, let to else { return nil }
        return Curve(parameter: parameter, from: from, to: to)
    }

    private static func decodeParameter(_ node: ScenarioNode, spins: Int?, isDataTarget: Bool,
                                        reader: ScenarioReader) -> Parameter? {
        guard let name = reader.string(node) else { return nil }
        switch name {
        case "beta": return .beta
        case "mix": return .mix
        case "pseudocount":
            guard isDataTarget else {
                reader.report("only a `data` target has a pseudocount to continue in", about: node)
                return nil
            }
            return .pseudocount
        default:
            guard let sites = ParameterName.couplingSites(name) else {
                var message = "unknown continuation parameter `\(name)`"
                if let suggestion = closestMatch(to: name, among: ["beta", "mix", "pseudocount"]) {
                    message += "; did you mean `\(suggestion)`?"
                }
                reader.report("\(message) (expected \(parameterForms))", about: node)
                return nil
            }
            if let problem = ParameterName.sitesProblem(sites, in: name) {
                reader.report(problem, about: node)
                return nil
            }
            if let spins, let last = sites.last, last >= spins {
                reader.report("site \(last) of `\(name)` is out of range: sites run from 0 to \(spins - 1) "
                              + "(spins = \(spins))", about: node)
                return nil
            }
            return .coupling(sites: sites)
        }
    }

    private static func decodeStep(_ node: ScenarioNode, reader: ScenarioReader) -> StepSizes? {
        guard let map = reader.block(node, keys: ["initial", "min", "max"]) else { return nil }
        let defaults = StepSizes()
        let positive = ScenarioReader.positive("a step size")
        let step = StepSizes(
            initial: reader.value(map["initial"], reader.number, positive) ?? defaults.initial,
            minimum: reader.value(map["min"], reader.number, positive) ?? defaults.minimum,
            maximum: reader.value(map["max"], reader.number, positive) ?? defaults.maximum)
        if !(step.minimum <= step.initial && step.initial <= step.maximum) {
            let written = [("min", step.minimum), ("initial", step.initial), ("max", step.maximum)]
                .map { "\($0.0) = \(ScenarioReader.format($0.1))" }.joined(separator: ", ")
            reader.report("step sizes must satisfy min <= initial <= max, got \(written)", about: node)
        }
        return step
    }
}
