/// The `fixed_points` analysis (docs/design.md, Fixed points): find the solutions of
/// `∇L(θ) = 0` by the listed methods and classify each.
public struct FixedPointsSpecification: Sendable, Equatable {
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// KINSOL Newton from the trajectory's end and from random starts.
        case newton
        /// Newton on the deflated system `M(θ) ∇L(θ) = 0`.
        case deflation
        /// Newton homotopy `∇L(θ) - (1 - λ) ∇L(θ_0) = 0`, by pseudo-arclength.
        case homotopy
        /// Newton from the local minima of `|∇L|` along the trajectory.
        case plateau
        /// Flows from `init` and from `flows` random starts; Newton from every
        /// plateau (local minimum of `|∇L|`) along each.
        case flows
        /// The fixed points of narrower models (fewer hidden units) lifted
        /// with the extra units idle, Newton-polished in this model.
        case lifts
    }

    /// How random starts are drawn: `normal` or `uniform` offsets of `scale`
    /// around a `center`.
    public struct StartDistribution: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable, CaseIterable { case normal, uniform }
        public enum Center: String, Sendable, Equatable, CaseIterable {
            case initialization = "init", zero, end
        }
        public var kind: Kind
        public var scale: Double
        public var center: Center

        public init(kind: Kind = .normal, scale: Double = 0.5, center: Center = .zero) {
            self.kind = kind
            self.scale = scale
            self.center = center
        }

        /// What `fixed_points: {}` draws: wide enough to leave a small
        /// initialisation's neighbourhood.
        public static let wide = StartDistribution()
    }

    /// Each once; at least one.
    public var methods: [Method] = Method.allCases
    /// Random starts, drawn from `seed`; at least 1.
    public var starts: Int = 50
    /// How they are drawn; nil: like `init` (what a plain `starts: N` means).
    public var startDistribution: StartDistribution? = .wide
    /// Random flows of the `flows` method besides the one from `init`.
    public var flows: Int = 8
    public var seed: UInt64 = 3
    /// `tol_dc`: a fixed point is data-consistent if every moment matches
    /// the target's within this.
    public var consistencyTolerance: Double = 1e-6
    /// `grad_tol`: `|∇L|` below which a point counts as stationary.
    public var gradientTolerance: Double = 1e-10
    /// `eigen_tol`: Hessian eigenvalues with `|λ| <= eigen_tol` are neutral.
    public var eigenvalueTolerance: Double = 1e-8
}

extension FixedPointsSpecification {
    /// Every default: what `fixed_points: {}` asks for.
    public static let `default` = FixedPointsSpecification()

    static let keys = ["methods", "starts", "flows", "seed", "tol_dc", "grad_tol", "eigen_tol"]
    static let startKeys = ["count", "kind", "scale", "center"]

    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> FixedPointsSpecification {
        let defaults = FixedPointsSpecification()
        guard let map = reader.block(node, keys: keys) else { return defaults }
        let positive = ScenarioReader.positive("a tolerance")
        var starts = defaults.starts
        var distribution = defaults.startDistribution
        if let node = map["starts"] {
            if case .mapping = node.node {
                (starts, distribution) = decodeStarts(node, reader: reader, defaults: defaults)
            } else if let count = reader.value(node, reader.integer, ScenarioReader.atLeast(1, "starts")) {
                // A plain count keeps its first meaning: starts drawn like `init`.
                (starts, distribution) = (count, nil)
            }
        }
        return FixedPointsSpecification(
            methods: map["methods"].flatMap { decodeMethods($0, reader: reader) } ?? defaults.methods,
            starts: starts, startDistribution: distribution,
            flows: reader.value(map["flows"], reader.integer, ScenarioReader.atLeast(0, "flows")) ?? defaults.flows,
            seed: reader.value(map["seed"], reader.seed) ?? defaults.seed,
            consistencyTolerance: reader.value(map["tol_dc"], reader.number, positive)
                ?? defaults.consistencyTolerance,
            gradientTolerance: reader.value(map["grad_tol"], reader.number, positive)
                ?? defaults.gradientTolerance,
            eigenvalueTolerance: reader.value(map["eigen_tol"], reader.number, positive)
                ?? defaults.eigenvalueTolerance)
    }

    /// `starts: {count, kind, scale, center}`.
    private static func decodeStarts(_ node: ScenarioNode, reader: ScenarioReader,
                                     defaults: FixedPointsSpecification) -> (Int, StartDistribution?) {
        let wide = StartDistribution.wide
        guard let map = reader.block(node, keys: startKeys) else { return (defaults.starts, wide) }
        let count = reader.value(map["count"], reader.integer, ScenarioReader.atLeast(1, "count")) ?? defaults.starts
        let distribution = StartDistribution(
            kind: map["kind"].flatMap { reader.choice($0, "start distribution") } ?? wide.kind,
            scale: reader.value(map["scale"], reader.number, ScenarioReader.positive("the scale")) ?? wide.scale,
            center: map["center"].flatMap { reader.choice($0, "start center") } ?? wide.center)
        return (count, distribution)
    }

    private static func decodeMethods(_ node: ScenarioNode, reader: ScenarioReader) -> [Method]? {
        guard let elements = reader.list(node) else { return nil }
        if elements.isEmpty {
            reader.report("list at least one method (\(Method.allCases.map(\.rawValue).joined(separator: ", ")))", about: node)
        }
        var methods: [Method] = []
        for element in elements {
            guard let method: Method = reader.choice(element, "fixed-point method") else { continue }
            if methods.contains(method) {
                reader.report("method `\(method.rawValue)` is listed twice", about: element)
            }
            methods.append(method)
        }
        return methods
    }
}
