import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// A gradient of the learning objective whose target moves with one or
/// more parameters: the model, frozen parameters and their values stay those
/// of `template`.
public protocol LearningTargetSystem: AnyObject {
    /// The model, frozen parameters and their values (its target is replaced).
    var template: LearningObjective { get }
}

extension LearningTargetSystem {
    public var dimension: Int { template.dimension }

    /// The template's objective with `target` in place of its own.
    func objective(learning target: Target) -> LearningObjective {
        var frozen = Set(0..<template.model.parameterCount)
        frozen.subtract(template.freeIndices)
        return LearningObjective(model: template.model, target: target, frozen: frozen, frozenValues: template.frozenValues)
    }
}

/// `F(θ, λ) = ∇L_λ(θ)`: the gradient of `KL(q_λ || p_θ)` over the free
/// parameters, as a family in the target parameter λ, with `∂F/∂θ = ∇²L_λ`
/// (symmetric, so stability along a branch is the Morse index) and
/// `∂F/∂λ = Σ_x ∂q_λ(x)/∂λ ∂_θE(x)`.
public final class LearningContinuationSystem: BoundedParameterSystem, LearningTargetSystem {
    public let family: TargetFamily
    /// The model, frozen parameters and their values (its target is replaced per λ).
    public let template: LearningObjective
    private var cached: (lambda: Double, objective: LearningObjective)?

    public init(family: TargetFamily, objective: LearningObjective) {
        self.family = family
        self.template = objective
    }

    public var isSymmetric: Bool { true }
    public var parameterDomain: ClosedRange<Double> { family.parameter.domain }

    public func objective(at lambda: Double) throws -> LearningObjective {
        if let cached, cached.lambda == lambda { return cached.objective }
        let objective = self.objective(learning: try family.target(at: lambda))
        cached = (lambda, objective)
        return objective
    }

    public func residual(_ x: [Double], parameter: Double) throws -> [Double] {
        try objective(at: parameter).evaluate(x).gradient
    }

    public func jacobian(_ x: [Double], parameter: Double) throws -> Matrix {
        try objective(at: parameter).evaluate(x).hessian()
    }

    public func parameterDerivative(_ x: [Double], parameter: Double) throws -> [Double] {
        let objective = try objective(at: parameter)
        let dq = family.derivative(at: parameter, target: objective.target)
        return objective.freeParameters(objective.evaluate(x).model.pullback(dq))
    }
}

/// `F(θ, λ, μ) = ∇L_{λ,μ}(θ)` for a two-parameter target family: the same
/// gradient, Hessian and target derivatives as `LearningContinuationSystem`
/// with `∂F/∂μ = Σ_x ∂q/∂μ ∂_θE(x)` as well.
public final class LearningTwoParameterSystem: TwoParameterSystem, LearningTargetSystem {
    public let family: TwoParameterTargetFamily
    public let template: LearningObjective
    private var cached: (λ: Double, μ: Double, objective: LearningObjective, first: [Double], second: [Double])?

    public init(family: TwoParameterTargetFamily, objective: LearningObjective) {
        self.family = family
        self.template = objective
    }

    public var isSymmetric: Bool { true }
    public var firstDomain: ClosedRange<Double> { family.first.domain }
    public var secondDomain: ClosedRange<Double> { family.second.domain }

    public func objective(first λ: Double, second μ: Double) throws -> (objective: LearningObjective, first: [Double], second: [Double]) {
        if let cached, cached.λ == λ, cached.μ == μ { return (cached.objective, cached.first, cached.second) }
        let (target, dλ, dμ) = try family.target(first: λ, second: μ)
        let objective = self.objective(learning: target)
        cached = (λ, μ, objective, dλ, dμ)
        return (objective, dλ, dμ)
    }

    public func residual(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double] {
        try objective(first: λ, second: μ).objective.evaluate(x).gradient
    }

    public func jacobian(_ x: [Double], first λ: Double, second μ: Double) throws -> Matrix {
        try objective(first: λ, second: μ).objective.evaluate(x).hessian()
    }

    public func firstDerivative(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double] {
        let (objective, dq, _) = try objective(first: λ, second: μ)
        return objective.freeParameters(objective.evaluate(x).model.pullback(dq))
    }

    public func secondDerivative(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double] {
        let (objective, _, dq) = try objective(first: λ, second: μ)
        return objective.freeParameters(objective.evaluate(x).model.pullback(dq))
    }
}
