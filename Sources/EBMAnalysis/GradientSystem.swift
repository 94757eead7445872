import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// `∇L(θ) = 0` as a nonlinear system for Newton: residual `∇L`, Jacobian
/// the symmetric Hessian `∇²L` (free parameters only).
public final class GradientSystem: NonlinearSystem {
    public let objective: LearningObjective

    public init(objective: LearningObjective) {
        self.objective = objective
    }

    public var dimension: Int { objective.dimension }
    public var isSymmetric: Bool { true }

    public func residual(_ x: [Double]) throws -> [Double] {
        let gradient = objective.evaluate(x).gradient
        if let bad = gradient.firstIndex(where: { !$0.isFinite }) {
            throw NonFiniteGradientError(component: objective.freeParameterNames[bad], parameters: x)
        }
        return gradient
    }

    public func jacobian(_ x: [Double]) throws -> Matrix {
        objective.evaluate(x).hessian()
    }
}

/// The gradient came out non-finite (overflowing parameters).
public struct NonFiniteGradientError: Error, CustomStringConvertible {
    public let component: String
    public let parameters: [Double]
    public var description: String {
        "the gradient component \(component) is not finite at |θ| = \(Vector.norm(parameters)); the parameters overflow"
    }
}
