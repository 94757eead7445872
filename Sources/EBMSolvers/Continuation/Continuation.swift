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
/// 5. a predictor leaving `[λmin, λmax]` (or a component bound) is cut to
///    land on the edge: the point is corrected with that coordinate held
///    exactly on it, a `.boundary` special point is recorded and the branch
///    ends; so does a corrected point that crossed an edge (interpolated
///    back onto it). The branch also ends after `maxPoints` points, after
///    `arclengthLimit`, when a step is rejected at the minimum step size, or
///    (`.failed`, with the reason) when the system throws an error;
/// 6. `shouldStop` is asked before every step.
///
/// - Throws: `ContinuationError.startingPointDidNotConverge` if the start
///   cannot be corrected; `ContinuationError.stopped` when `shouldStop`
///   says so; `InvalidArgumentError` or the system's own error if they
///   occur at the start. Failures along the branch end it with a
///   `Branch.Status` instead.
public func continuation(_ problem: ContinuationProblem, _ method: PseudoArclength,
                         shouldStop: () -> Bool = { false }) throws -> Branch {
    try ContinuationRun(problem: problem, method: method).run(shouldStop: shouldStop)
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

    func finish(_ status: Branch.Status, failure: String? = nil) -> Branch {
        Branch(problem: problem, method: method, points: points, specialPoints: special, status: status,
               failure: failure, statistics: engine.statistics)
    }

    /// The branch point at `z` with tangent `t` (if the stability indicator
    /// cannot be computed the step is rejected: nil).
    func makePoint(_ z: [Double], tangent t: [Double], arclength s: Double, augmented: Matrix,
                   stepDirection: [Double]?) -> Branch.Point? {
        guard let stability = try? engine.stability(augmented) else { return nil }
        return Branch.Point(x: Array(z[0..<n]), parameter: z[n], tangent: t, arclength: s, stability: stability,
                            stepDirection: stepDirection)
    }

    func boundary(at point: Branch.Point, index: Int, bound: Double) {
        let value = index == n ? point.parameter : point.x[index]
        special.append(SpecialPoint(
            kind: .boundary, x: point.x, parameter: point.parameter, arclength: point.arclength,
            arclengthInterval: point.arclength...point.arclength, testFunction: value - bound,
            isLocated: true, tangent: point.tangent, nullVector: nil, stabilityBefore: point.stability,
            stabilityAfter: point.stability, pointIndex: points.count - 1))
    }

    /// The first bound the segment `from → to` crosses (or reaches from
    /// inside), with the fraction `θ ∈ (0, 1]` of the segment where it does.
    func crossing(from a: [Double], to b: [Double]) -> (index: Int, bound: Double, fraction: Double)? {
        var best: (index: Int, bound: Double, fraction: Double)? = nil
        for (i, range) in problem.bounds {
            for bound in [range.lowerBound, range.upperBound] {
                let outside = bound == range.upperBound ? b[i] >= bound : b[i] <= bound
                guard outside, a[i] != bound, b[i] != a[i] else { continue }
                let θ = (bound - a[i]) / (b[i] - a[i])
                guard θ > 0, θ <= 1 else { continue }
                if best == nil || θ < best!.fraction { best = (i, bound, θ) }
            }
        }
        return best
    }

    /// `e_i` in `ℝⁿ⁺¹`.
    func axis(_ i: Int) -> [Double] {
        var e = [Double](repeating: 0, count: n + 1)
        e[i] = 1
        return e
    }

    func run(shouldStop: () -> Bool) throws -> Branch {
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
        let zFirst = first.x + [first.parameter]
        for (i, range) in problem.bounds {
            let ti = first.tangent[i]
            for bound in [range.lowerBound, range.upperBound] where zFirst[i] == bound {
                if (bound == range.upperBound && ti > 0) || (bound == range.lowerBound && ti < 0) {
                    boundary(at: first, index: i, bound: bound)
                    return finish(.reachedBound)
                }
            }
        }
        do {
            return try follow(first, shouldStop: shouldStop)
        } catch let error as ContinuationError where error == .stopped {
            throw error
        } catch {
            return finish(.failed, failure: "\(error)")
        }
    }

    /// Steps 3–6 from the corrected first point.
    func follow(_ first: Branch.Point, shouldStop: () -> Bool) throws -> Branch {
        var history = SignHistory(first: first)
        var h = method.step.initial
        let cosMaxTurn = cos(method.step.maximumTurningAngle)
        var previous: Branch.Point? = nil

        while true {
            if shouldStop() { throw ContinuationError.stopped }
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
            /// Newton with coordinate `i` held at `bound`, from `guess`.
            func land(_ guess: [Double], _ i: Int, _ bound: Double) throws -> [Double]? {
                var g = guess
                g[i] = bound
                guard var z = try engine.correct(g, border: axis(i), value: bound)?.z else { return nil }
                z[i] = bound
                return z
            }
            let predictor = zip(zc, d).map { $0 + step * $1 }
            var z: [Double]
            var iterations = 0
            var bound: (index: Int, value: Double)? = nil
            if let cut = crossing(from: zc, to: predictor) {
                // 5. The predictor leaves a range: land on its edge instead.
                let guess = zip(zc, predictor).map { $0 + cut.fraction * ($1 - $0) }
                guard let landed = try land(guess, cut.index, cut.bound) else {
                    if reject() { continue } else { return finish(.stepTooSmall) }
                }
                z = landed
                iterations = method.maxCorrectorIterations
                bound = (cut.index, cut.bound)
            } else {
                guard let correction = try engine.correct(predictor, border: d, value: Vector.dot(d, zc) + step,
                                                          maximumDistance: step) else {
                    if reject() { continue } else { return finish(.stepTooSmall) }
                }
                z = correction.z
                iterations = correction.iterations
                if let cut = crossing(from: zc, to: z) {
                    if z[cut.index] == cut.bound {
                        bound = (cut.index, cut.bound)
                    } else {
                        // The corrector crossed an edge: interpolate back to it.
                        let guess = zip(zc, z).map { $0 + cut.fraction * ($1 - $0) }
                        guard let landed = try land(guess, cut.index, cut.bound) else {
                            if reject() { continue } else { return finish(.stepTooSmall) }
                        }
                        z = landed
                        bound = (cut.index, cut.bound)
                    }
                }
            }
            let arclength = bound == nil ? current.arclength + step : current.arclength + Vector.dot(d, Vector.difference(z, zc))
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
            if iterations <= method.step.easyCorrectorIterations {
                h = min(step * method.step.growthFactor, method.step.maximum)
            } else {
                h = step
            }
            // 5. Ends.
            if let b = bound {
                boundary(at: next, index: b.index, bound: b.value)
                return finish(.reachedBound)
            }
        }
    }
}
