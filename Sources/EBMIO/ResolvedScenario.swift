import EBMAnalysis
import EBMCore
import EBMScenario
import EBMSolvers
import Foundation

/// A scenario value that cannot be turned into a problem (a data file with
/// an empty state, an unknown parameter name, a model too large for memory).
public struct ResolutionError: Error, CustomStringConvertible {
    public let keyPath: String
    public let message: String

    public init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { "\(keyPath): \(message)" }
}

/// Several resolution problems found together (one alone reads as itself).
public struct ResolutionErrors: Error, CustomStringConvertible {
    public let errors: [ResolutionError]
    public init(_ errors: [ResolutionError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// A scenario turned into the objects that compute: the target, the model,
/// the starting point and the learning objective with its frozen parameters.
public struct ResolvedScenario {
    public let scenario: Scenario
    public let target: Target
    /// The target before `beta` (the family that `beta` continuation moves in).
    public let baseTarget: Target
    /// Sample counts per state of a `data` target (for pseudocount continuation);
    /// with a held-out split, of the training samples only.
    public let counts: [Double]?
    /// A `data` target's held-out split (`target.holdout`), if any.
    public let split: DataSplit?
    public let model: any EnergyModel
    /// All model parameters at t = 0 (frozen ones keep these values).
    public let initialParameters: [Double]
    public let objective: LearningObjective
    public let method: GradientFlowMethod

    public init(_ scenario: Scenario) throws {
        self.scenario = scenario
        let n = scenario.spins
        try MemoryEstimate(spins: n, model: scenario.model, analyses: scenario.analyses).check()
        // Independent problems are collected and reported together.
        var problems: [ResolutionError] = []
        func attempt<T>(_ body: () throws -> T) throws -> T? {
            do { return try body() } catch let error as ResolutionError { problems.append(error); return nil }
        }
        let resolvedTarget = try attempt { try Self.target(scenario) }
        let resolvedModel = try attempt { try Self.model(scenario.model, spins: n) }
        var frozen = Set<Int>()
        var initial: [Double]?
        if let model = resolvedModel {
            if case let .values(values) = scenario.initialization {
                for name in values.keys.sorted() where model.parameterIndex(named: name) == nil {
                    problems.append(ResolutionError(keyPath: "init.values", message: UnknownParameterError(name: name, model: model).description))
                }
            }
            for name in scenario.model.frozen {
                if let j = model.parameterIndex(named: name) { frozen.insert(j) } else {
                    problems.append(ResolutionError(keyPath: "model.frozen", message: UnknownParameterError(name: name, model: model).description))
                }
            }
            if frozen.count == model.parameterCount {
                problems.append(ResolutionError(keyPath: "model.frozen", message: "every parameter is frozen, so nothing can move; free at least one"))
            }
            if problems.isEmpty { initial = try Self.initialization(scenario.initialization).parameters(for: model) }
        }
        guard problems.isEmpty, let (base, dataCounts, dataSplit) = resolvedTarget, let model = resolvedModel, let initial else {
            throw ResolutionErrors(problems)
        }
        baseTarget = base
        counts = dataCounts
        split = dataSplit
        target = try Self.wrap { try base.atInverseTemperature(scenario.target.beta) }
        self.model = model
        initialParameters = initial
        objective = LearningObjective(model: model, target: target, frozen: frozen, frozenValues: initialParameters)
        let integrator = scenario.integrator
        method = GradientFlowMethod(relativeTolerance: integrator.relativeTolerance,
                                    absoluteTolerance: integrator.absoluteTolerance,
                                    maxSteps: integrator.maxSteps,
                                    linearSolver: LinearSolverSelection(rawValue: integrator.linearSolver.rawValue) ?? .automatic,
                                    newtonMatrixPolicy: try NewtonMatrixPolicy(
                                        stepsBetweenSetups: integrator.setupSteps,
                                        stepsBetweenJacobians: integrator.jacobianSteps,
                                        setupGammaChange: integrator.setupGammaChange))
    }

    /// The gradient-flow problem of the scenario's integrator block.
    public var flowProblem: GradientFlowProblem {
        GradientFlowProblem(objective: objective, initialParameters: objective.freeParameters(initialParameters),
                            endTime: scenario.integrator.endTime, gradientTolerance: scenario.integrator.gradientTolerance)
    }

    /// Fixed points of the flow; random starts drawn like `init` (normal or
    /// uniform with its scale, a new seed per start; `zeros` and `values`
    /// starts are standard normal).
    /// Random starts drawn like `init`.
    public var fixedPointProblem: FixedPointProblem { fixedPointProblem(starts: nil, center: nil) }

    /// Random starts drawn from `starts` around `center` (free parameters),
    /// or like `init` when `starts` is nil.
    public func fixedPointProblem(starts: FixedPointsSpecification.StartDistribution?, center: [Double]?) -> FixedPointProblem {
        let model = self.model
        let objective = self.objective
        let draw: @Sendable (UInt64) throws -> [Double]
        let likeInit = initLikeDraw
        if let starts {
            let center = center ?? [Double](repeating: 0, count: objective.dimension)
            let (scale, normal) = (starts.scale, starts.kind == .normal)
            return FixedPointProblem(flow: flowProblem, startDistribution: { seed in
                let draw: Initialization = normal ? .normal(scale: scale, seed: seed) : .uniform(scale: scale, seed: seed)
                let offset: [Double] = objective.freeParameters(try draw.parameters(for: model))
                return zip(offset, center).map { $0 + $1 }
            }, flowStarts: { seed in objective.freeParameters(try likeInit(seed)) })
        }
        draw = likeInit
        return FixedPointProblem(flow: flowProblem) { seed in objective.freeParameters(try draw(seed)) }
    }

    /// Full parameters drawn like `init` from `seed` (a unit normal for
    /// `zeros` and `values`, which have no distribution).
    var initLikeDraw: @Sendable (UInt64) throws -> [Double] {
        let model = self.model
        switch scenario.initialization {
        case let .normal(scale, _): return { try Initialization.normal(scale: scale, seed: $0).parameters(for: model) }
        case let .uniform(scale, _): return { try Initialization.uniform(scale: scale, seed: $0).parameters(for: model) }
        case .zeros, .values: return { try Initialization.normal(scale: 1, seed: $0).parameters(for: model) }
        }
    }

    static func wrap(_ body: () throws -> Target) throws -> Target {
        do { return try body() } catch let error as TargetError {
            throw ResolutionError(keyPath: "target", message: error.message)
        }
    }

    /// The target before `beta`, and a data target's counts and split.
    static func target(_ scenario: Scenario) throws -> (Target, [Double]?, DataSplit?) {
        let n = scenario.spins
        let spec = scenario.target
        func masks(_ couplings: [CouplingSpecification]) -> [(mask: Int, value: Double)] {
            couplings.map { (Walsh.mask(of: $0.sites), $0.value) }
        }
        do {
            let base: Target
            switch spec.kind {
            case let .random(seed, orders, scales):
                base = try Target.random(spins: n, seed: seed, orders: orders, scales: scales)
            case let .ising(couplings):
                base = try Target(spins: n, couplings: masks(couplings))
            case let .parity(strength, couplings):
                base = try Target.parity(spins: n, strength: strength, couplings: masks(couplings))
            case let .table(probabilities):
                base = try Target.table(spins: n, probabilities: probabilities)
            case let .data(file, pseudocount, columns):
                let path = file.hasPrefix("/") ? file : ((scenario.baseDirectory ?? ".") as NSString).appendingPathComponent(file)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ResolutionError(keyPath: "target.file", message: "cannot read \(path) (paths are relative to the scenario file)")
                }
                let data = try BinarySamples.parse(text, file: path, columns: columns)
                guard data.spins == n else {
                    throw ResolutionError(keyPath: "target.file",
                                          message: "\(path) has \(data.spins) variables (after column selection) but spins is \(n)")
                }
                var split: DataSplit?
                if let spec = scenario.target.split {
                    do {
                        split = try DataSplit(samples: data.states, holdout: spec.holdout, seed: spec.seed)
                    } catch let error as TargetError {
                        throw ResolutionError(keyPath: "target.holdout", message: error.message)
                    }
                }
                let learned = split?.training ?? data.states
                base = try Target.frequencies(spins: n, samples: learned, pseudocount: pseudocount)
                var counts = [Double](repeating: 0, count: 1 << n)
                for x in learned { counts[x] += 1 }
                return (base, counts, split)
            }
            return (base, nil, nil)
        } catch let error as TargetError {
            throw ResolutionError(keyPath: "target", message: error.message)
        } catch let error as DataFileError {
            throw ResolutionError(keyPath: "target.file", message: error.description)
        }
    }

    static func model(_ spec: ModelSpecification, spins n: Int) throws -> any EnergyModel {
        switch spec.kind {
        case let .ising(order):
            return GeneralisedIsingModel(spins: n, order: order)
        case let .rbm(hidden, units):
            return RestrictedBoltzmannMachine(spins: n, hidden: hidden, units: units == .binary ? .binary : .spin)
        case let .mlp(layers, activation):
            return MultilayerPerceptron(spins: n, widths: layers, activation: MultilayerPerceptron.Activation(rawValue: activation.rawValue) ?? .tanh)
        }
    }

    static func initialization(_ spec: InitializationSpecification) -> Initialization {
        switch spec {
        case let .normal(scale, seed): return .normal(scale: scale, seed: seed)
        case let .uniform(scale, seed): return .uniform(scale: scale, seed: seed)
        case .zeros: return .zeros
        case let .values(values): return .values(values)
        }
    }
}
