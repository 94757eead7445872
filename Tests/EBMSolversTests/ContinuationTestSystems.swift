import EBMLinearAlgebra
import EBMSolvers
import Foundation

/// F(x, λ) = λ - x²: a fold at (0, 0). As a 1 × 1 symmetric system, F_x = -2x
/// has one negative eigenvalue on x > 0 and none on x < 0.
final class FoldNormalForm: ParameterizedSystem {
    let dimension = 1
    var isSymmetric: Bool { true }
    func residual(_ x: [Double], parameter λ: Double) -> [Double] { [λ - x[0] * x[0]] }
    func jacobian(_ x: [Double], parameter: Double) -> Matrix { Matrix([[-2 * x[0]]]) }
    func parameterDerivative(_ x: [Double], parameter: Double) -> [Double] { [1] }
}

/// F(x, λ) = λx - x³: the trivial branch x = 0 meets x² = λ in a pitchfork at
/// (0, 0). F_x = λ - 3x².
final class PitchforkNormalForm: ParameterizedSystem {
    let dimension = 1
    var isSymmetric: Bool { true }
    func residual(_ x: [Double], parameter λ: Double) -> [Double] { [λ * x[0] - x[0] * x[0] * x[0]] }
    func jacobian(_ x: [Double], parameter λ: Double) -> Matrix { Matrix([[λ - 3 * x[0] * x[0]]]) }
    func parameterDerivative(_ x: [Double], parameter: Double) -> [Double] { [x[0]] }
}

/// F(x, y, λ) = (λx - x², 2y - x): a transcritical branch point at the origin
/// between x = y = 0 and x = λ, y = λ/2, with the non-symmetric Jacobian
/// [[λ - 2x, 0], [-1, 2]] (det = 2(λ - 2x)).
final class TranscriticalPair: ParameterizedSystem {
    let dimension = 2
    func residual(_ x: [Double], parameter λ: Double) -> [Double] { [λ * x[0] - x[0] * x[0], 2 * x[1] - x[0]] }
    func jacobian(_ x: [Double], parameter λ: Double) -> Matrix { Matrix([[λ - 2 * x[0], 0], [-1, 2]]) }
    func parameterDerivative(_ x: [Double], parameter: Double) -> [Double] { [x[0], 0] }
}

/// The Bratu problem u'' + λ eᵘ = 0, u(0) = u(1) = 0, by central differences
/// on N interior points, h = 1/(N + 1), scaled by h²:
///
///     F_i = u_{i-1} - 2u_i + u_{i+1} + h² λ e^{u_i},   F_x = tridiag(1, -2 + h²λe^{u_i}, 1).
///
/// The lower branch from u = 0 folds at λ* = 3.513830719... (continuum).
final class BratuProblem: ParameterizedSystem {
    let dimension: Int
    let h2: Double
    init(interiorPoints: Int) {
        dimension = interiorPoints
        let h = 1 / Double(interiorPoints + 1)
        h2 = h * h
    }
    var isSymmetric: Bool { true }
    func residual(_ u: [Double], parameter λ: Double) -> [Double] {
        (0..<dimension).map { i in
            let left = i > 0 ? u[i - 1] : 0
            let right = i < dimension - 1 ? u[i + 1] : 0
            return left - 2 * u[i] + right + h2 * λ * exp(u[i])
        }
    }
    func jacobian(_ u: [Double], parameter λ: Double) -> Matrix {
        var j = Matrix(rows: dimension, columns: dimension)
        for i in 0..<dimension {
            j[i, i] = -2 + h2 * λ * exp(u[i])
            if i > 0 { j[i, i - 1] = 1 }
            if i < dimension - 1 { j[i, i + 1] = 1 }
        }
        return j
    }
    func parameterDerivative(_ u: [Double], parameter: Double) -> [Double] { u.map { h2 * exp($0) } }
}

/// F(x, y) = (x² + y² - 4, xy - 1): a circle and a hyperbola meeting in the four
/// roots (a, b), (b, a), (-a, -b), (-b, -a), a = √(2 + √3), b = √(2 - √3).
/// det F_x = 2(x² - y²) vanishes on the diagonals, where Newton homotopy paths
/// turn back in λ.
final class CircleHyperbola: NonlinearSystem {
    let dimension = 2
    func residual(_ x: [Double]) -> [Double] { [x[0] * x[0] + x[1] * x[1] - 4, x[0] * x[1] - 1] }
    func jacobian(_ x: [Double]) -> Matrix { Matrix([[2 * x[0], 2 * x[1]], [x[1], x[0]]]) }

    static let roots: [[Double]] = {
        let a = (2 + 3.0.squareRoot()).squareRoot(), b = (2 - 3.0.squareRoot()).squareRoot()
        return [[a, b], [b, a], [-a, -b], [-b, -a]]
    }()
}

/// F(x, λ) = x - λ² whose Jacobian is reported as exactly singular (all
/// zeros, so dgesv fails) wherever `isSingular(x, λ)` holds: a stand-in for a
/// corrector that breaks down.
final class SingularWhere: ParameterizedSystem {
    let dimension = 1
    let isSingular: (Double, Double) -> Bool
    init(_ isSingular: @escaping (Double, Double) -> Bool) { self.isSingular = isSingular }
    func residual(_ x: [Double], parameter λ: Double) -> [Double] { [x[0] - λ * λ] }
    func jacobian(_ x: [Double], parameter λ: Double) -> Matrix { Matrix([[isSingular(x[0], λ) ? 0 : 1]]) }
    func parameterDerivative(_ x: [Double], parameter λ: Double) -> [Double] { [isSingular(x[0], λ) ? 0 : -2 * λ] }
}

/// F(x, λ) = (x - sin λ)(x + 2λ): the curve x = sin λ crosses the line
/// x = -2λ at the origin, with tangents (1, 1)/√2 and (-2, 1)/√5 — a branch
/// point whose branches are not the coordinate axes. F_x = 2x + 2λ - sin λ.
final class CrossingCurves: ParameterizedSystem {
    let dimension = 1
    var isSymmetric: Bool { true }
    func residual(_ x: [Double], parameter λ: Double) -> [Double] { [(x[0] - sin(λ)) * (x[0] + 2 * λ)] }
    func jacobian(_ x: [Double], parameter λ: Double) -> Matrix { Matrix([[2 * x[0] + 2 * λ - sin(λ)]]) }
    func parameterDerivative(_ x: [Double], parameter λ: Double) -> [Double] {
        [-cos(λ) * (x[0] + 2 * λ) + 2 * (x[0] - sin(λ))]
    }
}
