import EBMLinearAlgebra
import EBMSolvers
import Foundation

/// SUNDIALS' `kinFerTron_dns.c`: the Ferraris–Tronconi problem (Floudas et
/// al., Handbook of Test Problems, §14.1 problem 4) with the example's
/// constants π ≈ 3.1415926, e ≈ 2.7182818 and its treatment of the bounds
/// 0.25 <= x1 <= 1, 1.5 <= x2 <= 2π: auxiliary unknowns l1 = x1 - 0.25 >= 0,
/// L1 = x1 - 1 <= 0, l2 = x2 - 1.5 >= 0, L2 = x2 - 2π <= 0, kept by KINSOL's
/// constraints, so u = (x1, x2, l1, L1, l2, L2) and
///
///     0.5 sin(x1 x2) - 0.25 x2/π - 0.5 x1 = 0
///     (1 - 0.25/π)(exp(2 x1) - e) + e x2/π - 2 e x1 = 0
///     l1 - x1 + 0.25 = 0,  L1 - x1 + 1 = 0,  l2 - x2 + 1.5 = 0,  L2 - x2 + 2π = 0.
///
/// The residual is written in the example's operation order.
final class FerrarisTronconi: NonlinearSystem {
    static let pi = 3.1415926
    static let e = 2.7182818
    static let lower = [0.25, 1.5]
    static let upper = [1.0, 2 * pi]

    let dimension = 6
    private(set) var residualCalls = 0

    /// c = (0, 0, 1, -1, 1, -1), as the example sets it.
    static let constraints: [SignConstraint] = [
        .unconstrained, .unconstrained, .nonNegative, .nonPositive, .nonNegative, .nonPositive,
    ]

    /// u for a point (x1, x2), auxiliary unknowns included.
    static func state(_ x1: Double, _ x2: Double) -> [Double] {
        [x1, x2, x1 - lower[0], x1 - upper[0], x2 - lower[1], x2 - upper[1]]
    }

    /// `SetInitialGuess1`: the lower bounds, which lead to (0.29945, 2.83693).
    static let lowerBoundsGuess = state(lower[0], lower[1])
    /// `SetInitialGuess2`: the middle of the box, which leads to (0.5, 3.1415926).
    static let middleGuess = state(0.5 * (lower[0] + upper[0]), 0.5 * (lower[1] + upper[1]))

    func residual(_ u: [Double]) throws -> [Double] {
        residualCalls += 1
        let (x1, x2, l1, L1, l2, L2) = (u[0], u[1], u[2], u[3], u[4], u[5])
        let pi = Self.pi, e = Self.e
        return [
            0.5 * sin(x1 * x2) - 0.25 * x2 / pi - 0.5 * x1,
            (1.0 - 0.25 / pi) * (exp(2.0 * x1) - e) + e * x2 / pi - 2.0 * e * x1,
            l1 - x1 + Self.lower[0],
            L1 - x1 + Self.upper[0],
            l2 - x2 + Self.lower[1],
            L2 - x2 + Self.upper[1],
        ]
    }

    func jacobian(_ u: [Double]) throws -> Matrix {
        let (x1, x2) = (u[0], u[1])
        let pi = Self.pi, e = Self.e
        var j = Matrix(rows: 6, columns: 6)
        j[0, 0] = 0.5 * cos(x1 * x2) * x2 - 0.5
        j[0, 1] = 0.5 * cos(x1 * x2) * x1 - 0.25 / pi
        j[1, 0] = (1.0 - 0.25 / pi) * 2.0 * exp(2.0 * x1) - 2.0 * e
        j[1, 1] = e / pi
        for row in 2..<6 {
            j[row, row < 4 ? 0 : 1] = -1
            j[row, row] = 1
        }
        return j
    }
}

/// F = ∇V with V(x) = (|x|² - 1)²/4: F(x) = (|x|² - 1) x, whose roots are the
/// unit circle (a curve of minima) and the origin (a maximum). The Jacobian
/// J = (|x|² - 1) I + 2 x xᵀ is symmetric, singular on the circle (J = 2 x xᵀ,
/// the tangent is its kernel) and on the circle |x|² = 1/3.
final class CircleOfRoots: NonlinearSystem {
    let dimension = 2
    var isSymmetric: Bool { true }

    func residual(_ x: [Double]) throws -> [Double] {
        let s = x[0] * x[0] + x[1] * x[1] - 1
        return [s * x[0], s * x[1]]
    }

    func jacobian(_ x: [Double]) throws -> Matrix {
        let s = x[0] * x[0] + x[1] * x[1] - 1
        return Matrix([
            [s + 2 * x[0] * x[0], 2 * x[0] * x[1]],
            [2 * x[0] * x[1], s + 2 * x[1] * x[1]],
        ])
    }
}

/// F(x, y) = (x² + y² - 2, x - y): regular roots ±(1, 1). Records |F|₂ at
/// every residual evaluation.
final class RegularSystem: NonlinearSystem {
    let dimension = 2
    private(set) var residualNorms: [Double] = []

    func residual(_ x: [Double]) throws -> [Double] {
        let f = [x[0] * x[0] + x[1] * x[1] - 2, x[0] - x[1]]
        residualNorms.append(Vector.norm(f))
        return f
    }

    func jacobian(_ x: [Double]) throws -> Matrix {
        Matrix([[2 * x[0], 2 * x[1]], [1, -1]])
    }
}

/// F(x) = x² + 1: no real root; |F| has its minimum 1 at x = 0, where J = 0.
final class NoRealRoot: NonlinearSystem {
    let dimension = 1

    func residual(_ x: [Double]) throws -> [Double] { [x[0] * x[0] + 1] }
    func jacobian(_ x: [Double]) throws -> Matrix { Matrix([[2 * x[0]]]) }
}

/// F(x) = x - 1 until `failAfter` residual evaluations, then throws.
final class FailingResidual: NonlinearSystem {
    struct ModelFailure: Error, Equatable {
        let evaluation: Int
    }

    let dimension = 1
    let failAfter: Int
    private(set) var evaluations = 0

    init(failAfter: Int) {
        self.failAfter = failAfter
    }

    func residual(_ x: [Double]) throws -> [Double] {
        evaluations += 1
        if evaluations > failAfter { throw ModelFailure(evaluation: evaluations) }
        return [x[0] * x[0] * x[0] - 8]
    }

    func jacobian(_ x: [Double]) throws -> Matrix { Matrix([[3 * x[0] * x[0]]]) }
}

/// F(x, y) = (s² - 1, s² - 1), s = x + y: the gradient of (s³/3 - s), with
/// the symmetric Jacobian 2s [[1, 1], [1, 1]], singular everywhere (rank 1
/// off s = 0). Its roots are the lines x + y = ±1; from (x, y) the
/// minimum-norm Newton steps run along (1, 1), so they reach the foot of the
/// normal from the start on the line.
final class RankDeficientSystem: NonlinearSystem {
    let dimension = 2
    var isSymmetric: Bool { true }

    func residual(_ x: [Double]) throws -> [Double] {
        let s = x[0] + x[1]
        return [s * s - 1, s * s - 1]
    }

    func jacobian(_ x: [Double]) throws -> Matrix {
        let s = x[0] + x[1]
        return Matrix([[2 * s, 2 * s], [2 * s, 2 * s]])
    }
}

/// F(x, y) = (s² - 1, 2(s² - 1)), s = x + y: the Jacobian 2s [[1, 1], [2, 2]]
/// is rank 1 and not symmetric (the SVD path). J⁺F = (s² - 1)/(4s) (1, 1), as
/// for `RankDeficientSystem`, so the roots reached are the same.
final class NonSymmetricRankDeficientSystem: NonlinearSystem {
    let dimension = 2

    func residual(_ x: [Double]) throws -> [Double] {
        let s = x[0] + x[1]
        return [s * s - 1, 2 * (s * s - 1)]
    }

    func jacobian(_ x: [Double]) throws -> Matrix {
        let s = x[0] + x[1]
        return Matrix([[2 * s, 2 * s], [4 * s, 4 * s]])
    }
}

/// F(x, y) = (x³ - x, y): roots (-1, 0), (0, 0), (1, 0); symmetric under
/// x → -x.
final class MirrorSymmetricSystem: NonlinearSystem {
    let dimension = 2
    var isSymmetric: Bool { true }

    func residual(_ x: [Double]) throws -> [Double] { [x[0] * x[0] * x[0] - x[0], x[1]] }

    func jacobian(_ x: [Double]) throws -> Matrix { Matrix([[3 * x[0] * x[0] - 1, 0], [0, 1]]) }

    /// The orbit of a point under x → -x.
    static func images(_ x: [Double]) -> [[Double]] { [x, [-x[0], x[1]]] }
}

/// The test's expected-output helpers.
enum Printed {
    /// printf's `%8.6g`, as SUNDIALS' examples print solutions.
    static func g(_ value: Double) -> String {
        String(format: "%8.6g", value).trimmingCharacters(in: .whitespaces)
    }
}
