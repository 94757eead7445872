import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// `dθ/dt = -∇L(θ)` as an ODE system for CVODE, with Jacobian `-∇²L(θ)`
/// (dense, analytic) and Jacobian-vector products `-∇²L(θ) v` (matrix-free).
///
/// Every callback works in one `ObjectiveWorkspace` owned by the system:
/// no allocation per call, and the all-states pass of a right-hand side is
/// reused by the Jacobian, the J·v products and the preconditioner set up
/// at the same θ (CVODE evaluates f at a point before linearising there).
/// With a preconditioner (`usesPreconditioner`: the generalised Ising
/// models), GMRES solves `(I - γJ) x = b` left-preconditioned by
/// `(I + γ ∇²L)⁻¹` itself for the full model (exact in two transforms, at
/// the current iterate: GMRES then needs one iteration), or by
/// `I + γ diag ∇²L` (`1 - m_A²`) for truncated ones; γ as CVODE passes it
/// to each solve.
public final class GradientFlowSystem: DenseJacobianODESystem, JacobianVectorProductODESystem, PreconditionedODESystem {
    public let objective: LearningObjective
    public let workspace: ObjectiveWorkspace
    public let usesPreconditioner: Bool
    public private(set) var gradientEvaluations = 0
    /// `diag ∇²L` (clamped at 0) at the last preconditioner setup; zeros
    /// when the model does not know it.
    private var hessianDiagonal: [Double] = []

    /// Whether `(I + γ ∇²L) z = r` is solved exactly (the full Ising model).
    public let preconditionerIsExact: Bool

    public init(objective: LearningObjective, parallelism: Parallelism = .automatic, preconditioner: Bool = true) {
        self.objective = objective
        self.workspace = ObjectiveWorkspace(objective: objective, parallelism: parallelism)
        let ising = objective.model as? GeneralisedIsingModel
        self.usesPreconditioner = preconditioner && ising != nil
        self.preconditionerIsExact = usesPreconditioner && ising.map { $0.order == $0.spins } == true
    }

    /// `|∇L(θ)|` through the workspace (no all-states arrays allocated).
    public func gradientNorm(at free: [Double]) -> Double {
        free.withUnsafeBufferPointer { workspace.ensureEvaluated(at: $0) }
        return Vector.norm(workspace.gradient)
    }

    public var dimension: Int { objective.dimension }
    public var providesDenseJacobian: Bool { true }
    public var providesJacobianVectorProduct: Bool { true }
    public var providesPreconditioner: Bool { usesPreconditioner }

    public func evaluateRightHandSide(time: Double, state: UnsafeBufferPointer<Double>,
                                      derivative: UnsafeMutableBufferPointer<Double>) throws {
        workspace.evaluate(state)
        workspace.gradient(into: derivative)
        gradientEvaluations += 1
        for j in 0..<derivative.count { derivative[j] = -derivative[j] }
    }

    public func evaluateJacobian(time: Double, state: UnsafeBufferPointer<Double>,
                                 rightHandSide: UnsafeBufferPointer<Double>,
                                 jacobian: UnsafeMutableBufferPointer<Double>) throws {
        workspace.ensureEvaluated(at: state)
        workspace.hessian(into: jacobian)
        for k in 0..<jacobian.count { jacobian[k] = -jacobian[k] }
    }

    public func prepareJacobianVectorProducts(time: Double, state: UnsafeBufferPointer<Double>,
                                              rightHandSide: UnsafeBufferPointer<Double>) throws {
        workspace.ensureEvaluated(at: state)
    }

    public func evaluateJacobianVectorProduct(time: Double, state: UnsafeBufferPointer<Double>,
                                              rightHandSide: UnsafeBufferPointer<Double>,
                                              vector: UnsafeBufferPointer<Double>,
                                              product: UnsafeMutableBufferPointer<Double>) throws {
        workspace.ensureEvaluated(at: state)
        workspace.hessianVectorProduct(vector, into: product)
        for j in 0..<product.count { product[j] = -product[j] }
    }

    public func preparePreconditioner(time: Double, state: UnsafeBufferPointer<Double>,
                                      rightHandSide: UnsafeBufferPointer<Double>, gamma: Double) throws {
        if preconditionerIsExact { return }
        workspace.ensureEvaluated(at: state)
        if hessianDiagonal.count != dimension { hessianDiagonal = [Double](repeating: 0, count: dimension) }
        let known = hessianDiagonal.withUnsafeMutableBufferPointer { workspace.hessianDiagonal(into: $0) }
        for j in 0..<dimension { hessianDiagonal[j] = known ? max(hessianDiagonal[j], 0) : 0 }
    }

    public func solvePreconditioner(time: Double, state: UnsafeBufferPointer<Double>,
                                    rightHandSide: UnsafeBufferPointer<Double>,
                                    residual: UnsafeBufferPointer<Double>,
                                    solution: UnsafeMutableBufferPointer<Double>, gamma: Double) throws {
        if preconditionerIsExact {
            workspace.ensureEvaluated(at: state)
            if workspace.solveShiftedHessian(shift: gamma, right: residual, into: solution) { return }
        }
        if hessianDiagonal.count != dimension {
            for j in 0..<dimension { solution[j] = residual[j] }
            return
        }
        for j in 0..<dimension { solution[j] = residual[j] / (1 + gamma * hessianDiagonal[j]) }
    }
}
