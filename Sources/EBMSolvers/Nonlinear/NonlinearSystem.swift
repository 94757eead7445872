import EBMLinearAlgebra

/// A square nonlinear system `F(x) = 0`, `F: ℝⁿ → ℝⁿ`, with its Jacobian
/// `J = ∂F/∂x` (dense, column-major). For a gradient system (`F = ∇L`) the
/// Jacobian is the symmetric Hessian and `isSymmetric` lets solvers use a
/// symmetric eigendecomposition.
public protocol NonlinearSystem: AnyObject {
    var dimension: Int { get }
    /// Whether `J(x)` is symmetric for every x (gradient systems).
    var isSymmetric: Bool { get }
    func residual(_ x: [Double]) throws -> [Double]
    func jacobian(_ x: [Double]) throws -> Matrix
}

extension NonlinearSystem {
    public var isSymmetric: Bool { false }
}

/// A one-parameter family `F(x, λ) = 0`, `F: ℝⁿ × ℝ → ℝⁿ`, for continuation:
/// residual, `∂F/∂x` and `∂F/∂λ`.
public protocol ParameterizedSystem: AnyObject {
    var dimension: Int { get }
    /// Whether `∂F/∂x` is symmetric (gradient systems): stability along a
    /// branch is then read from real eigenvalues.
    var isSymmetric: Bool { get }
    func residual(_ x: [Double], parameter: Double) throws -> [Double]
    func jacobian(_ x: [Double], parameter: Double) throws -> Matrix
    func parameterDerivative(_ x: [Double], parameter: Double) throws -> [Double]
}

extension ParameterizedSystem {
    public var isSymmetric: Bool { false }
}
