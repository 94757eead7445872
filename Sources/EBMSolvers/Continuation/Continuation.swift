import EBMLinearAlgebra
import Foundation

/// Follows the solution curve of `F(x, λ) = 0` from the problem's start by
/// pseudo-arclength continuation (see `PseudoArclength`):
///
///     z_{k+1} = z_k + h d_k + (Newton correction on F(z) = 0, ⟨d_k, z - z_k⟩ = h)
///
/// 1. the start is corrected by Newton on `F(·, λ₀)`, `λ₀` fixed;
/// 2. its tangent is the null vector of `[F_x | F_λ]`, oriented by the
///    problem's direction; later tangents keep `⟨t_{k+1}, t_k⟩ > 0`, so the
///    branch is followed straight through folds and simple branch points;
/// 3. a failed correction, a correction farther than the step, or a tangent
///    turning by more than `maximumTurningAngle` rejects the step and
///    shrinks `h`; easy corrections grow it;
/// 4. between consecutive points, folds, branch points and stability
///    changes are detected by sign changes and located (`SpecialPoint`);
/// 5. the branch ends on reaching `λmin` or `λmax` (the last point is
///    corrected with λ fixed at the bound, and a `.boundary` special point
///    recorded), after `maxPoints` points, after `arclengthLimit`, or when a
///    step is rejected at the minimum step size.
///
/// - Throws: `ContinuationError.startingPointDidNotConverge` if the start
///   cannot be corrected; `InvalidArgumentError` if the system returns
///   arrays of the wrong size; whatever the system's own functions throw.
///   Failures along the branch end it with a `Branch.Status` instead.
public func continuation(_ problem: ContinuationProblem, _ method: PseudoArclength) throws -> Branch {
    try ContinuationRun(problem: problem, method: method).run()
}

/// The state of one `continuation(_:_:)` call.
private final class ContinuationRun {
    let problem: ContinuationProblem
    let method: PseudoArclength
    let engine: ContinuationEngine
    let n: Int
    var points: [Branch.Point] = []
    var special: [SpecialPoint] = []

    init(problem: ContinuationProblem, method: PseudoArclength) {
        self.problem = problem
        self.method = method
        self.engine = ContinuationEngine(system: problem.system, method: method)
        self.n = problem.system.dimension
    }

    func finish(_ status: Branch.Status) -> Branch {
        Branch(problem: problem, method: method, points: points, specialPoints: special, status: status,
               statistics: engine.statistics)
    }

    /// The branch point at `z` with tangent `t` (if the stability indicator
    /// cannot be computed the step is rejected: nil).
    func makePoint(_ z: [Double], tangent t: [Double], arclength s: Double, augmented: Matrix,
                   stepDirection: [Double]?) -> Branch.Point? {
        guard let stability = try? engine.stability(augmented) else { return nil }
        return Branch.Point(x: Array(z[0..<n]), parameter: z[n], tangent: t, arclength: s, stability: stability,
                            stepDirection: stepDirection)
    }

    func boundary(at point: Branch.Point, bound: Double) {
        special.append(SpecialPoint(
            kind: .boundary, x: point.x, parameter: point.parameter, arclength: point.arclength,
            arclengthInterval: point.arclength...point.arclength, testFunction: point.parameter - bound,
            isLocated: true, tangent: point.tangent, nullVector: nil, stabilityBefore: point.stability,
            stabilityAfter: point.stability, pointIndex: points.count - 1))
    }

    func run() throws -> Branch {
        let range = problem.parameterRange
        let eλ = engine.parameterAxis

        // 1–2. The corrected start and its tangent.
        let z0 = problem.start + [problem.parameter]
        let startFailure = { () -> ContinuationError in
            let r = (try? self.problem.system.residual(self.problem.start, parameter: self.problem.parameter))
                .map { Vector.maxAbs($0) } ?? .nan
            return .startingPointDidNotConverge(residualNorm: r)
        }
        guard let corrected = try engine.correct(z0, border: eλ, value: problem.parameter) else { throw startFailure() }
        let first: Branch.Point
        do {
            let a = try engine.augmentedJacobian(corrected.z)
            let t = try engine.initialTangent(at: corrected.z, orientation: problem.orientation)
            guard let p = makePoint(corrected.z, tangent: t, arclength: 0, augmented: a, stepDirection: nil) else {
                throw startFailure()
            }
            first = p
        } catch is CorrectorBreakdown {
            throw startFailure()
        } catch is LAPACKError {
            throw startFailure()
        }
        points.append(first)
        let t0λ = first.tangent[n]
        if (first.parameter == range.upperBound && t0λ > 0) || (first.parameter == range.lowerBound && t0λ < 0) {
            boundary(at: first, bound: first.parameter)
            return finish(.reachedBound)
        }

        var history = SignHistory(first: first)
        var h = method.step.initial
        let cosMaxTurn = cos(method.step.maximumTurningAngle)
        var previous: Branch.Point? = nil

        while true {
            let current = points[points.count - 1]
            if points.count >= method.maxPoints { return finish(.maxPoints) }
            let remaining = problem.arclengthLimit - current.arclength
            if remaining <= 0 { return finish(.reachedArclengthLimit) }
            let step = min(h, remaining)
            let zc = current.x + [current.parameter]

            var d = current.tangent
            if method.predictor == .secant, let p = previous {
                let chord = Vector.difference(zc, p.x + [p.parameter])
                let norm = Vector.norm(chord)
                if norm > 0 { d = chord.map { $0 / norm } }
            }

            // 3. Predict, correct, accept or reject.
            func reject() -> Bool {
                engine.statistics.rejectedSteps += 1
                if step <= method.step.minimum { return false }
                h = max(step * method.step.shrinkFactor, method.step.minimum)
                return true
            }
            let predictor = zip(zc, d).map { $0 + step * $1 }
            guard let correction = try engine.correct(predictor, border: d, value: Vector.dot(d, zc) + step,
                                                      maximumDistance: step) else {
                if reject() { continue } else { return finish(.stepTooSmall) }
            }
            var z = correction.z
            var arclength = current.arclength + step
            var bound: Double? = nil
            if z[n] > range.upperBound || (z[n] == range.upperBound && current.parameter != z[n]) {
                bound = range.upperBound
            } else if z[n] < range.lowerBound || (z[n] == range.lowerBound && current.parameter != z[n]) {
                bound = range.lowerBound
            }
            if let b = bound, z[n] != b {
                // Land exactly on the bound: interpolate to λ = b, then Newton
                // with λ held there.
                let θ = (b - zc[n]) / (z[n] - zc[n])
                let guess = zip(zc, z).map { $0 + θ * ($1 - $0) }
                guard let landing = try engine.correct(guess, border: eλ, value: b) else {
                    if reject() { continue } else { return finish(.stepTooSmall) }
                }
                z = landing.z
                z[n] = b
                arclength = current.arclength + Vector.dot(d, Vector.difference(z, zc))
            }
            let next: Branch.Point
            do {
                let a = try engine.augmentedJacobian(z)
                let t = try engine.tangent(at: z, reference: current.tangent, augmented: a)
                if Vector.dot(t, current.tangent) < cosMaxTurn && step > method.step.minimum && bound == nil {
                    if reject() { continue } else { return finish(.stepTooSmall) }
                }
                guard let p = makePoint(z, tangent: t, arclength: arclength, augmented: a, stepDirection: d) else {
                    if reject() { continue } else { return finish(.stepTooSmall) }
                }
                next = p
            } catch is CorrectorBreakdown {
                if reject() { continue } else { return finish(.stepTooSmall) }
            } catch is LAPACKError {
                if reject() { continue } else { return finish(.stepTooSmall) }
            }

            engine.statistics.acceptedSteps += 1
            points.append(next)
            // 4. Special points on the step just taken.
            // Every test function here was evaluated on accepted points a moment
            // ago; should one still break down (a LAPACK eigenvalue iteration
            // failing to converge), the step keeps its point and reports none.
            do {
                special += try engine.specialPoints(between: current, and: next, index: points.count - 2, along: d,
                                                    history: &history)
            } catch is CorrectorBreakdown {
            } catch is LAPACKError {
            }
            previous = current
            if correction.iterations <= method.step.easyCorrectorIterations {
                h = min(step * method.step.growthFactor, method.step.maximum)
            } else {
                h = step
            }
            // 5. Ends.
            if let b = bound {
                boundary(at: next, bound: b)
                return finish(.reachedBound)
            }
        }
    }
}
