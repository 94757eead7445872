/// How the flow's starting point is drawn.
public enum Initialization: Sendable, Equatable {
    /// `θ_j = scale · N(0, 1)`, in parameter order, from `seed`.
    case normal(scale: Double, seed: UInt64)
    /// `θ_j ~ Uniform(-scale, scale)`.
    case uniform(scale: Double, seed: UInt64)
    case zeros
    /// Named values, all others zero.
    case values([String: Double])

    /// The starting parameters of `model`; unknown names are an error that
    /// lists the model's valid form.
    public func parameters(for model: any EnergyModel) throws -> [Double] {
        let count = model.parameterCount
        switch self {
        case let .normal(scale, seed):
            var g = SeededGenerator(seed: seed)
            return (0..<count).map { _ in scale * g.nextNormal() }
        case let .uniform(scale, seed):
            var g = SeededGenerator(seed: seed)
            return (0..<count).map { _ in scale * (2 * g.nextUniform() - 1) }
        case .zeros:
            return [Double](repeating: 0, count: count)
        case let .values(named):
            var theta = [Double](repeating: 0, count: count)
            for (name, value) in named.sorted(by: { $0.key < $1.key }) {
                guard let j = model.parameterIndex(named: name) else {
                    throw UnknownParameterError(name: name, model: model)
                }
                theta[j] = value
            }
            return theta
        }
    }
}

/// A parameter name that the model does not have.
public struct UnknownParameterError: Error, CustomStringConvertible {
    public let name: String
    public let modelDescription: String
    public let examples: [String]

    public init(name: String, model: any EnergyModel) {
        self.name = name
        self.modelDescription = model.description
        let names = model.parameterNames
        self.examples = names.count <= 6 ? names : Array(names.prefix(3)) + ["…"] + Array(names.suffix(2))
    }

    public var description: String {
        "unknown parameter `\(name)` for \(modelDescription); its parameters are \(examples.joined(separator: ", "))"
    }
}
