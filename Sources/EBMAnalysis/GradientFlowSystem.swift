import EBMCore
import EBMSolvers

/// `dθ/dt = -∇L(θ)` as an ODE system for CVODE, with Jacobian `-∇²L(θ)`
/// (dense, analytic) and Jacobian-vector products `-∇²L(θ) v` (matrix-free,
/// one all-states pass per product after a shared setup per linear solve).
public final class GradientFlowSystem: ODESystem {
    public let objective: LearningObjective
    /// The all-states pass at the state of the current linear solve, shared
    /// by every Jacobian-vector product of that solve.
    private var linearisation: ObjectiveEvaluation?
    public private(set) var gradientEvaluations = 0

    public init(objective: LearningObjective) {
        self.objective = objective
    }

    public var dimension: Int { objective.dimension }
    public var providesDenseJacobian: Bool { true }
    public var providesJacobianVectorProduct: Bool { true }

    public func evaluateRightHandSide(time: Double, state: UnsafeBufferPointer<Double>,
                                      derivative: UnsafeMutableBufferPointer<Double>) throws {
        let gradient = objective.evaluate(Array(state)).gradient
        gradientEvaluations += 1
        for j in 0..<gradient.count { derivative[j] = -gradient[j] }
    }

    public func evaluateJacobian(time: Double, state: UnsafeBufferPointer<Double>,
                                 rightHandSide: UnsafeBufferPointer<Double>,
                                 jacobian: UnsafeMutableBufferPointer<Double>) throws {
        let hessian = objective.evaluate(Array(state)).hessian()
        for k in 0..<hessian.elements.count { jacobian[k] = -hessian.elements[k] }
    }

    public func prepareJacobianVectorProducts(time: Double, state: UnsafeBufferPointer<Double>,
                                              rightHandSide: UnsafeBufferPointer<Double>) throws {
        linearisation = objective.evaluate(Array(state))
    }

    public func evaluateJacobianVectorProduct(time: Double, state: UnsafeBufferPointer<Double>,
                                              rightHandSide: UnsafeBufferPointer<Double>,
                                              vector: UnsafeBufferPointer<Double>,
                                              product: UnsafeMutableBufferPointer<Double>) throws {
        let theta = Array(state)
        if linearisation?.free != theta { linearisation = objective.evaluate(theta) }
        let hv = linearisation!.hessianVectorProduct(Array(vector))
        for j in 0..<hv.count { product[j] = -hv[j] }
    }
}
