import EBMLinearAlgebra

/// Which of the two half-branches leaving a branch point to follow: along
/// `+τ` or `-τ`, where `τ` is the transverse direction of `switchBranch`.
public enum BranchSide: Int, Sendable, Equatable, CaseIterable {
    case positive = 1
    case negative = -1
}

/// A problem that starts on the *other* branch through a simple branch point
/// of `branch`.
///
/// At a simple branch point `z_bp` the kernel of `[F_x | F_λ]` is
/// two-dimensional: it holds the branch tangent `t` and `(φ, 0)`, `φ` the null
/// vector of `F_x`. The transverse direction is
///
///     τ = ((φ, 0) - ⟨(φ, 0), t⟩ t) / ‖·‖,
///
/// and the new branch's first point solves `F(z) = 0`, `⟨z - z_bp, τ⟩ = ±ε`
/// (Newton on the bordered system from the predictor `z_bp ± ε τ`). The
/// hyperplane meets the old branch only at a distance of order `√ε`, so the
/// corrector lands on the new one. That point, with its tangent oriented away
/// from `z_bp`, is the start of the returned problem, which keeps the
/// parameter range and arclength limit of `branch.problem`. Call once per
/// `BranchSide` to follow both halves.
///
/// - Parameters:
///   - amplitude: `ε > 0`; default `branch.method.step.initial`. Halved up to
///     four times if the corrector fails.
/// - Throws: `ContinuationError.notABranchPoint` for other special points,
///   `.noTransverseDirection` if `φ` is the tangent's own direction,
///   `.branchSwitchingFailed`, `.switchedBranchLeavesRange`;
///   `InvalidArgumentError` for a non-positive amplitude.
public func switchBranch(at point: SpecialPoint, of branch: Branch, side: BranchSide = .positive,
                         amplitude: Double? = nil) throws -> ContinuationProblem {
    guard point.kind == .branchPoint, let φ = point.nullVector else {
        throw ContinuationError.notABranchPoint(point.kind)
    }
    let ε = amplitude ?? branch.method.step.initial
    guard ε > 0, ε.isFinite else {
        throw InvalidArgumentError(argument: "switchBranch.amplitude", reason: "must be positive and finite, got \(ε)")
    }
    let problem = branch.problem
    let engine = ContinuationEngine(system: problem.system, method: branch.method)
    let t = point.tangent
    var τ = φ + [0]
    let projection = Vector.dot(τ, t)
    for i in τ.indices { τ[i] -= projection * t[i] }
    let norm = Vector.norm(τ)
    guard norm > 1e-6 else { throw ContinuationError.noTransverseDirection }
    let sign = Double(side.rawValue)
    τ = τ.map { sign * $0 / norm }

    let zbp = point.x + [point.parameter]
    var trial = ε
    for _ in 0..<5 {
        let guess = zip(zbp, τ).map { $0 + trial * $1 }
        if let correction = try engine.correct(guess, border: τ, value: Vector.dot(τ, zbp) + trial,
                                               maximumDistance: 2 * trial) {
            let z = correction.z
            let n = engine.dimension
            guard problem.parameterRange.contains(z[n]) else {
                throw ContinuationError.switchedBranchLeavesRange(parameter: z[n])
            }
            let tangent: [Double]
            do {
                tangent = try engine.tangent(at: z, reference: τ)
            } catch is CorrectorBreakdown {
                throw ContinuationError.branchSwitchingFailed(amplitude: trial)
            }
            return try ContinuationProblem(
                system: problem.system, start: Array(z[0..<n]), parameter: z[n],
                parameterRange: problem.parameterRange, direction: .along(tangent),
                arclengthLimit: problem.arclengthLimit, componentBounds: problem.componentBounds)
        }
        trial /= 2
    }
    throw ContinuationError.branchSwitchingFailed(amplitude: 2 * trial)
}
