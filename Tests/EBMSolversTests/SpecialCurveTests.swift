import EBMLinearAlgebra
@testable import EBMSolvers
import Foundation
import Testing

/// F(x, λ, μ) = x³ - λx - μ, the cusp normal form: folds where 3x² = λ, so
/// on the curve (λ, μ) = (3x², -2x³), i.e. 4λ³ = 27μ², with the cusp at the
/// origin (F_xx = 6x changes sign there).
final class CuspNormalForm: TwoParameterSystem {
    let dimension = 1
    var isSymmetric: Bool { true }
    func residual(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [x[0] * x[0] * x[0] - λ * x[0] - μ] }
    func jacobian(_ x: [Double], first λ: Double, second μ: Double) -> Matrix { Matrix([[3 * x[0] * x[0] - λ]]) }
    func firstDerivative(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [-x[0]] }
    func secondDerivative(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [-1] }
}

/// F(x, y, λ, μ) = ((λ - μ²) x - x³ + x y², 2y - x²): x = 0, y = 0 is a
/// solution for all (λ, μ) and, by the symmetry x → -x, loses stability in
/// a pitchfork on the curve λ = μ² (F_x = diag(λ - μ², 2) there).
final class PitchforkInTwoParameters: TwoParameterSystem {
    let dimension = 2
    func residual(_ v: [Double], first λ: Double, second μ: Double) -> [Double] {
        let (x, y) = (v[0], v[1])
        return [(λ - μ * μ) * x - x * x * x + x * y * y, 2 * y - x * x]
    }
    func jacobian(_ v: [Double], first λ: Double, second μ: Double) -> Matrix {
        let (x, y) = (v[0], v[1])
        return Matrix([[λ - μ * μ - 3 * x * x + y * y, 2 * x * y], [-2 * x, 2]])
    }
    func firstDerivative(_ v: [Double], first λ: Double, second μ: Double) -> [Double] { [v[0], 0] }
    func secondDerivative(_ v: [Double], first λ: Double, second μ: Double) -> [Double] { [-2 * μ * v[0], 0] }
}

/// F(x, λ, μ) = λx - x² + μ: a transcritical branch point at μ = 0 that no
/// symmetry protects (for μ ≠ 0 the two branches no longer cross).
final class TranscriticalUnfolding: TwoParameterSystem {
    let dimension = 1
    func residual(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [λ * x[0] - x[0] * x[0] + μ] }
    func jacobian(_ x: [Double], first λ: Double, second μ: Double) -> Matrix { Matrix([[λ - 2 * x[0]]]) }
    func firstDerivative(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [x[0]] }
    func secondDerivative(_ x: [Double], first λ: Double, second μ: Double) -> [Double] { [1] }
}

/// A mixture-weight-like first parameter: F(x, λ) = x - λ², refused outside [0, 1].
final class RestrictedParabola: BoundedParameterSystem {
    let dimension = 1
    var parameterDomain: ClosedRange<Double> { 0...1 }
    struct OutsideDomain: Error {}
    func residual(_ x: [Double], parameter λ: Double) throws -> [Double] {
        guard parameterDomain.contains(λ) else { throw OutsideDomain() }
        return [x[0] - λ * λ]
    }
    func jacobian(_ x: [Double], parameter λ: Double) throws -> Matrix {
        guard parameterDomain.contains(λ) else { throw OutsideDomain() }
        return Matrix([[1]])
    }
    func parameterDerivative(_ x: [Double], parameter λ: Double) throws -> [Double] {
        guard parameterDomain.contains(λ) else { throw OutsideDomain() }
        return [-2 * λ]
    }
}

/// Throws once λ passes 0.5, as a solver error would.
final class FailingBeyondHalf: ParameterizedSystem {
    let dimension = 1
    struct Broken: Error, CustomStringConvertible { var description: String { "the model broke at λ > 0.5" } }
    func residual(_ x: [Double], parameter λ: Double) throws -> [Double] {
        if λ > 0.5 { throw Broken() }
        return [x[0] - λ]
    }
    func jacobian(_ x: [Double], parameter λ: Double) throws -> Matrix { Matrix([[1]]) }
    func parameterDerivative(_ x: [Double], parameter λ: Double) throws -> [Double] { [-1] }
}

private func method(maximum: Double = 0.05, maxPoints: Int = 2000) throws -> PseudoArclength {
    try PseudoArclength(step: StepControl(initial: 0.01, minimum: 1e-8, maximum: maximum), maxPoints: maxPoints)
}

@Suite("Continuation at the edges of a range, and in two parameters")
struct SpecialCurveTests {
    @Test("a branch ending on the edge of its parameter's domain lands on it without evaluating beyond")
    func landsOnDomainEdge() throws {
        let problem = try ContinuationProblem(system: RestrictedParabola(), start: [0.01], parameter: 0.1,
                                              parameterRange: 0.1...1.0)
        let branch = try continuation(problem, method(maximum: 0.3))
        #expect(branch.status == .reachedBound)
        let last = try #require(branch.points.last)
        #expect(last.parameter == 1.0)
        #expect(abs(last.x[0] - 1) < 1e-10)
    }

    @Test("a range leaving the system's domain is refused")
    func rangeOutsideDomain() throws {
        #expect(throws: InvalidArgumentError.self) {
            try ContinuationProblem(system: RestrictedParabola(), start: [0.01], parameter: 0.1, parameterRange: 0.1...1.2)
        }
    }

    @Test("a system error ends the branch with its reason and keeps the points so far")
    func failureEndsTheBranch() throws {
        let problem = try ContinuationProblem(system: FailingBeyondHalf(), start: [0], parameter: 0, parameterRange: 0...1)
        let branch = try continuation(problem, method())
        #expect(branch.status == .failed)
        #expect(branch.failure == "the model broke at λ > 0.5")
        #expect(branch.points.count > 5)
        #expect(branch.points.allSatisfy { $0.parameter <= 0.5 })
    }

    @Test("a stop request between steps throws .stopped")
    func stops() throws {
        let problem = try ContinuationProblem(system: FoldNormalForm(), start: [1.0], parameter: 1, parameterRange: -1...2,
                                              direction: .decreasing)
        var calls = 0
        #expect(throws: ContinuationError.stopped) {
            try continuation(problem, method()) { calls += 1; return calls > 3 }
        }
    }

    @Test("cusp normal form: the fold curve is 4λ³ = 27μ², through a located cusp at the origin, to the edges")
    func cuspFoldCurve() throws {
        let system = CuspNormalForm()
        let slice = FirstParameterSlice(system, second: 0.5)
        // At μ = 0.5 the branch from x = -1.5 (λ = x² - μ/x) folds at x = -(1/4)^(1/3), λ = 3x².
        let x0 = -1.5, λ0 = x0 * x0 - 0.5 / x0
        let branch = try continuation(try ContinuationProblem(system: slice, start: [x0], parameter: λ0,
                                                              parameterRange: -1...3, direction: .decreasing), method())
        let fold = try #require(branch.specialPoints(.fold).first)
        let xf = -pow(0.25, 1.0 / 3)
        #expect(abs(fold.parameter - 3 * xf * xf) < 1e-9)

        let curve = try specialCurve(through: fold, of: system, at: 0.5, firstRange: -1...3, secondRange: -1...1,
                                     method: method())
        #expect(curve.kind == .fold)
        #expect(curve.points.count > 20)
        var worst = 0.0
        for p in curve.points {
            // On the curve x solves both F = 0 and F_x = 0: λ = 3x², μ = -2x³.
            worst = max(worst, abs(p.first - 3 * p.x[0] * p.x[0]), abs(p.second + 2 * p.x[0] * p.x[0] * p.x[0]))
            let closed = 4 * pow(p.first, 3) - 27 * p.second * p.second
            worst = max(worst, abs(closed))
        }
        #expect(worst < 1e-9)
        // Both signs of μ are reached: the curve passes the cusp.
        #expect(curve.points.contains { $0.second > 0.9 } && curve.points.contains { $0.second < -0.9 })
        let cusps = curve.events.filter { $0.kind == .cusp }
        #expect(cusps.count == 1)
        let cusp = try #require(cusps.first)
        #expect(cusp.isLocated)
        #expect(abs(cusp.first) < 1e-8 && abs(cusp.second) < 1e-8 && abs(cusp.x[0]) < 1e-8)
        // Both ends lie on the edge μ = ±1 (λ = 3 would need |μ| = 2).
        let ends = curve.events.filter { $0.kind == .edge }
        #expect(ends.count == 2)
        #expect(Set(ends.map(\.second)) == [-1, 1])
    }

    @Test("a symmetric pitchfork's branch-point curve is λ = μ², with β = 0 along it")
    func pitchforkCurve() throws {
        let system = PitchforkInTwoParameters()
        let slice = FirstParameterSlice(system, second: 0.5)
        let branch = try continuation(try ContinuationProblem(system: slice, start: [0, 0], parameter: -1,
                                                              parameterRange: -1...2), method())
        let bp = try #require(branch.specialPoints(.branchPoint).first)
        #expect(abs(bp.parameter - 0.25) < 1e-9)
        let curve = try specialCurve(through: bp, of: system, at: 0.5, firstRange: -1...2, secondRange: -1...1,
                                     method: method())
        #expect(curve.kind == .branchPoint)
        #expect(curve.points.count > 20)
        for p in curve.points {
            #expect(abs(p.first - p.second * p.second) < 1e-9)
            #expect(abs(try #require(p.unfolding)) < 1e-12)
        }
        #expect(curve.points.contains { $0.second == -1 } && curve.points.contains { $0.second == 1 })
    }

    @Test("a transcritical branch point without symmetry unfolds at once: its curve ends there")
    func transcriticalUnfolds() throws {
        let system = TranscriticalUnfolding()
        let slice = FirstParameterSlice(system, second: 0)
        let branch = try continuation(try ContinuationProblem(system: slice, start: [0], parameter: -1,
                                                              parameterRange: -1...1), method())
        let bp = try #require(branch.specialPoints(.branchPoint).first)
        let curve = try specialCurve(through: bp, of: system, at: 0, firstRange: -1...1, secondRange: -1...1,
                                     method: method())
        #expect(curve.points.count <= 1)
        #expect(curve.events.contains { $0.kind == .end && $0.reason.hasPrefix("unfolds") })
    }
}
