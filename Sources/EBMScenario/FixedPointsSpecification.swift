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
    }

    /// Each once; at least one.
    public var methods: [Method]
    /// Random starts, drawn like `init` from `seed`; at least 1.
    public var starts: Int
    public var seed: UInt64
    /// `tol_dc`: a fixed point is data-consistent if every moment matches
    /// the target's within this.
    public var consistencyTolerance: Double
    /// `grad_tol`: `|∇L|` below which a point counts as stationary.
    public var gradientTolerance: Double
    /// `eigen_tol`: Hessian eigenvalues with `|λ| <= eigen_tol` are neutral.
    public var eigenvalueTolerance: Double

    public init(methods: [Method] = Method.allCases, starts: Int = 50, seed: UInt64 = 3,
                consistencyTolerance: Double = 1e-6, gradientTolerance: Double = 1e-10,
                eigenvalueTolerance: Double = 1e-8) {
        self.methods = methods
        self.starts = starts
        self.seed = seed
        self.consistencyTolerance = consistencyTolerance
        self.gradientTolerance = gradientTolerance
        self.eigenvalueTolerance = eigenvalueTolerance
    }
}

extension FixedPointsSpecification {
    static let keys = ["methods", "starts", "seed", "tol_dc", "grad_tol", "eigen_tol"]

    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> FixedPointsSpecification {
        let defaults = FixedPointsSpecification()
        guard let map = reader.block(node, keys: keys) else { return defaults }
        let positive = ScenarioReader.positive("a tolerance")
        return FixedPointsSpecification(
            methods: map["methods"].flatMap { decodeMethods($0, reader: reader) } ?? defaults.methods,
            starts: reader.value(map["starts"], reader.integer, ScenarioReader.atLeast(1, "starts")) ?? defaults.starts,
            seed: reader.value(map["seed"], reader.seed) ?? defaults.seed,
            consistencyTolerance: reader.value(map["tol_dc"], reader.number, positive)
                ?? defaults.consistencyTolerance,
            gradientTolerance: reader.value(map["grad_tol"], reader.number, positive)
                ?? defaults.gradientTolerance,
            eigenvalueTolerance: reader.value(map["eigen_tol"], reader.number, positive)
                ?? defaults.eigenvalueTolerance)
    }

    private static func decodeMethods(_ node: ScenarioNode, reader: ScenarioReader) -> [Method]? {
        guard let elements = reader.list(node) else { return nil }
        if elements.isEmpty {
            reader.report("list at least one method (newton, deflation, homotopy, plateau)", about: node)
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
