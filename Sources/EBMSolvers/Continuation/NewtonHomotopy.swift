import EBMLinearAlgebra

/// The Newton (global) homotopy of `F(x) = 0` from a start `x₀`:
///
///     H(x, λ) = F(x) - (1 - λ) F(x₀),   H_x = F_x,   H_λ = F(x₀).
///
/// `x₀` solves `H(·, 0) = 0` exactly and `H(·, 1) = F`, so every point of
/// the curve through `(x₀, 0)` at `λ = 1` is a root of `F`. Along the curve
/// `F(x)` stays on the line through `F(x₀)` and 0, and `x` follows the
/// Newton flow `ẋ ∝ -F_x⁻¹ F`; where `det F_x` changes sign the curve turns
/// back in `λ` (a fold), which is why it must be followed by arclength.
/// Symmetric when `F` is (`F = ∇L`).
public final class NewtonHomotopy: ParameterizedSystem {
    public let system: any NonlinearSystem
    /// `x₀`.
    public let start: [Double]
    /// `F(x₀)`.
    public let startResidual: [Double]

    /// Evaluates `F(x₀)` once.
    /// - Throws: `InvalidArgumentError` if `start` does not have
    ///   `system.dimension` finite entries or `F(x₀)` is not finite (or has
    ///   the wrong length); errors of `system.residual`.
    public init(system: any NonlinearSystem, start: [Double]) throws {
        guard start.count == system.dimension else {
            throw InvalidArgumentError(argument: "NewtonHomotopy.start",
                                       reason: "has \(start.count) entries, the system's dimension is \(system.dimension)")
        }
        guard start.allSatisfy(\.isFinite) else {
            throw InvalidArgumentError(argument: "NewtonHomotopy.start", reason: "has a non-finite entry")
        }
        let f0 = try system.residual(start)
        guard f0.count == system.dimension, f0.allSatisfy(\.isFinite) else {
            throw InvalidArgumentError(argument: "NewtonHomotopy.start",
                                       reason: "F(x₀) is not a finite vector of length \(system.dimension)")
        }
        self.system = system
        self.start = start
        self.startResidual = f0
    }

    public var dimension: Int { system.dimension }
    public var isSymmetric: Bool { system.isSymmetric }

    public func residual(_ x: [Double], parameter λ: Double) throws -> [Double] {
        let f = try system.residual(x)
        return zip(f, startResidual).map { $0 - (1 - λ) * $1 }
    }

    public func jacobian(_ x: [Double], parameter: Double) throws -> Matrix {
        try system.jacobian(x)
    }

    public func parameterDerivative(_ x: [Double], parameter: Double) throws -> [Double] {
        startResidual
    }
}
