import EBMLinearAlgebra

/// `F(x, λ, μ) = 0`, `F: ℝⁿ × ℝ × ℝ → ℝⁿ`: a system in two parameters, for
/// following special points of the `λ`-branches (folds, branch points) as
/// curves in the `(λ, μ)` plane (`specialCurve`). `λ` is the first
/// parameter (the one branches are continued in), `μ` the second.
public protocol TwoParameterSystem: AnyObject {
    var dimension: Int { get }
    /// Whether `∂F/∂x` is symmetric (gradient systems).
    var isSymmetric: Bool { get }
    /// Where `F` may be evaluated in `λ` and `μ` (a mixture weight in [0, 1]).
    var firstDomain: ClosedRange<Double> { get }
    var secondDomain: ClosedRange<Double> { get }
    func residual(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double]
    /// `∂F/∂x`, n × n.
    func jacobian(_ x: [Double], first λ: Double, second μ: Double) throws -> Matrix
    /// `∂F/∂λ`.
    func firstDerivative(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double]
    /// `∂F/∂μ`.
    func secondDerivative(_ x: [Double], first λ: Double, second μ: Double) throws -> [Double]
}

extension TwoParameterSystem {
    public var isSymmetric: Bool { false }
    public var firstDomain: ClosedRange<Double> { -Double.infinity...Double.infinity }
    public var secondDomain: ClosedRange<Double> { -Double.infinity...Double.infinity }
}

/// `x, λ ↦ F(x, λ, μ)` at a fixed `μ`: the one-parameter system whose
/// branches `continuation(_:_:)` follows before their special points are
/// followed in `μ`.
public final class FirstParameterSlice: BoundedParameterSystem {
    public let system: any TwoParameterSystem
    public let second: Double

    public init(_ system: any TwoParameterSystem, second μ: Double) {
        self.system = system
        self.second = μ
    }

    public var dimension: Int { system.dimension }
    public var isSymmetric: Bool { system.isSymmetric }
    public var parameterDomain: ClosedRange<Double> { system.firstDomain }

    public func residual(_ x: [Double], parameter λ: Double) throws -> [Double] {
        try system.residual(x, first: λ, second: second)
    }

    public func jacobian(_ x: [Double], parameter λ: Double) throws -> Matrix {
        try system.jacobian(x, first: λ, second: second)
    }

    public func parameterDerivative(_ x: [Double], parameter λ: Double) throws -> [Double] {
        try system.firstDerivative(x, first: λ, second: second)
    }
}
