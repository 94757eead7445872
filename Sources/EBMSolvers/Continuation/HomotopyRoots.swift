import EBMLinearAlgebra

/// Roots of `F(x) = 0` along the Newton homotopy path from `x₀`
/// (docs/design.md, Fixed points): the curve `H(x, λ) = F(x) - (1 - λ) F(x₀) = 0` through
/// `(x₀, 0)` is followed by `continuation` with increasing `λ`, through its
/// turning points, while `λ` stays in `parameterWindow` and for at most
/// `pathLengthLimit` of arclength. Every crossing of `λ = 1` is located on
/// the path (secant on `λ - 1`) and refined by dense Newton on `F`; the path
/// may turn at folds and cross `λ = 1` several times, reaching roots a
/// Newton iteration from `x₀` would not.
///
/// The path is a closed loop or runs to the window's edge, to `‖x‖ → ∞`
/// or into a singular point; which roots it meets depends on `x₀`.
///
/// - Parameters:
///   - method: steps, tolerances and `maxPoints` of the path.
///   - pathLengthLimit: arclength after which the path is abandoned (> 0).
///   - parameterWindow: must contain `[0, 1]`.
///   - refinementTolerance: Newton on `F` stops at `‖F‖∞ ≤` this (> 0).
///   - maxRefinementIterations: ≥ 1.
///   - distinctRootTolerance: roots with `‖r - r'‖∞ ≤ tol (1 + ‖r'‖∞)` are
///     the same root (> 0).
/// - Throws: `InvalidArgumentError` for invalid options or a bad start;
///   `ContinuationError` if `x₀` cannot start the path; errors of `system`.
public func homotopyRoots(
    _ system: any NonlinearSystem,
    from start: [Double],
    method: PseudoArclength,
    pathLengthLimit: Double = .infinity,
    parameterWindow: ClosedRange<Double> = -5...5,
    refinementTolerance: Double = 1e-12,
    maxRefinementIterations: Int = 20,
    distinctRootTolerance: Double = 1e-8
) throws -> HomotopyResult {
    let options = OptionChecks(owner: "homotopyRoots")
    try options.require(
        parameterWindow.lowerBound <= 0 && parameterWindow.upperBound >= 1, "parameterWindow",
        "must contain [0, 1], got \(parameterWindow)")
    try options.positiveFinite(refinementTolerance, "refinementTolerance")
    try options.atLeast(maxRefinementIterations, 1, "maxRefinementIterations")
    try options.positiveFinite(distinctRootTolerance, "distinctRootTolerance")

    let homotopy = try NewtonHomotopy(system: system, start: start)
    let problem = try ContinuationProblem(system: homotopy, start: start, parameter: 0,
                                          parameterRange: parameterWindow, direction: .increasing,
                                          arclengthLimit: pathLengthLimit)
    let path = try continuation(problem, method)
    let engine = ContinuationEngine(system: homotopy, method: method)
    let n = system.dimension
    let folds = path.specialPoints(.fold)

    var crossings: [HomotopyResult.Crossing] = []
    var roots: [[Double]] = []
    for k in path.points.indices.dropLast() {
        let a = path.points[k], b = path.points[k + 1]
        let ga = a.parameter - 1, gb = b.parameter - 1
        guard ga != 0, (ga < 0) != (gb < 0) || gb == 0, let d = b.stepDirection else { continue }
        let za = a.x + [a.parameter], zb = b.x + [b.parameter]
        let location = try engine.locateRoot(of: { $0[n] - 1 }, from: za, to: zb, along: d,
                                             length: b.arclength - a.arclength)
        let s = a.arclength + location.offset
        let slope = (try? engine.tangent(at: location.z, reference: a.tangent)[n]) ?? .nan
        let refined = try refineRoot(of: system, from: Array(location.z[0..<n]), tolerance: refinementTolerance,
                                     maxIterations: maxRefinementIterations)
        crossings.append(HomotopyResult.Crossing(
            pathPoint: Array(location.z[0..<n]), arclength: s,
            arclengthInterval: (a.arclength + location.bracket.lowerBound)...(a.arclength + location.bracket.upperBound),
            parameterSlope: slope, foldsBefore: folds.filter { $0.arclength < s }.count,
            root: refined.x, residualNorm: refined.residualNorm, newtonIterations: refined.iterations,
            converged: refined.converged))
        if refined.converged, !roots.contains(where: { r in
            Vector.maxAbs(Vector.difference(r, refined.x)) <= distinctRootTolerance * (1 + Vector.maxAbs(r))
        }) {
            roots.append(refined.x)
        }
    }
    return HomotopyResult(crossings: crossings, roots: roots, path: path)
}

/// Dense Newton `x ← x - F_x⁻¹ F(x)` (LU, dgesv) until `‖F‖∞ ≤ tolerance`;
/// stops early at a singular `F_x` or a non-finite value. A minimal
/// refinement for homotopy crossings, which start within the path
/// corrector's tolerance of a root.
func refineRoot(of system: any NonlinearSystem, from start: [Double], tolerance: Double,
                maxIterations: Int) throws -> (x: [Double], residualNorm: Double, iterations: Int, converged: Bool) {
    var x = start
    var f = try system.residual(x)
    var iterations = 0
    while true {
        let r = f.allSatisfy(\.isFinite) ? Vector.maxAbs(f) : .infinity
        if r <= tolerance { return (x, r, iterations, true) }
        if iterations == maxIterations { return (x, r, iterations, false) }
        guard let step = try? LAPACK.solve(try system.jacobian(x), f.map { -$0 }), step.allSatisfy(\.isFinite) else {
            return (x, r, iterations, false)
        }
        let candidate = zip(x, step).map { $0 + $1 }
        let fc = try system.residual(candidate)
        iterations += 1
        x = candidate
        f = fc
    }
}
