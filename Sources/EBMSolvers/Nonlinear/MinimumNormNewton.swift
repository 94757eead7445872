import EBMLinearAlgebra

/// Newton's method for F(x) = 0 with singular Jacobians: the minimum-norm
/// step
///
///     δ_k = -J(x_k)⁺ F(x_k),
///
/// with J⁺ the pseudo-inverse from the symmetric eigendecomposition when
/// `system.isSymmetric`, from the SVD otherwise, dropping the directions with
/// |λ| <= `cutoff` · max|λ| (see `TruncatedPseudoInverse`); a backtracking
/// line search x_{k+1} = x_k + τ δ_k, τ = 1, ½, ¼, … with the Armijo
/// condition ½|F(x_{k+1})|² <= ½|F(x_k)|² + 10⁻⁴ τ Fᵀ J δ_k; and, when that
/// finds no decrease (or δ_k is not a descent direction of |F|²),
/// Levenberg–Marquardt steps
///
///     (JᵀJ + μ I) δ = -Jᵀ F,   μ ×10 until |F| decreases, ÷3 after.
///
/// Where the roots form a manifold, J is singular on it and the minimum-norm
/// step moves x only across it: from nearby, the iteration lands on the root
/// reached along the manifold's normal directions, and `nullity` at the root
/// (the number of dropped directions) is the manifold's dimension.
///
/// Stops with `.converged` when |F(x_k)|∞ <= `residualTolerance`; `.stalled`
/// when the accepted scaled step max_i |Δx_i| / (|x_i| + 1) falls to
/// `stepTolerance` or below with |F| still above it, or when no step
/// decreases |F| (a local minimum of |F| that is not a root); `.diverged`
/// when F is not finite at the start, J is not finite, or the iterates blow
/// up; `.maxIterations` after `maxIterations` iterations. Sign constraints
/// shorten steps as KINSOL does (0.9 of the way to the boundary). Cost per
/// iteration: one Jacobian, one O(n³) decomposition, one or more residuals.
public struct MinimumNormNewton: NewtonMethod, Equatable {
    /// > 0: the bound on |F|∞.
    public let residualTolerance: Double
    /// > 0: the bound on the scaled step, as KINSOL's scsteptol.
    public let stepTolerance: Double
    /// >= 1.
    public let maxIterations: Int
    /// In [0, 1): eigen- or singular values with |s| <= cutoff · max|s| are
    /// treated as zero, in the step and in `nullity`.
    public let cutoff: Double
    /// > 0: the longest step |δ|₂ allowed (longer ones are scaled down); nil
    /// for no limit.
    public let maxStep: Double?

    /// - Throws: `InvalidArgumentError` naming the first option out of range.
    public init(
        residualTolerance: Double = 1e-10,
        stepTolerance: Double = 1e-12,
        maxIterations: Int = 100,
        cutoff: Double = 1e-8,
        maxStep: Double? = nil
    ) throws {
        let options = OptionChecks(owner: "MinimumNormNewton")
        try options.newtonStopping(residualTolerance: residualTolerance, stepTolerance: stepTolerance,
                                   maxIterations: maxIterations)
        try options.require(cutoff >= 0 && cutoff < 1, "cutoff", "must be in [0, 1), got \(cutoff)")
        try options.positiveFinite(maxStep, "maxStep")
        self.residualTolerance = residualTolerance
        self.stepTolerance = stepTolerance
        self.maxIterations = maxIterations
        self.cutoff = cutoff
        self.maxStep = maxStep
    }

    /// The defaults: |F|∞ <= 1e-10, scaled step 1e-12, 100 iterations,
    /// cutoff 1e-8.
    public static let standard = try! MinimumNormNewton()

    public var name: String { "minimum-norm Newton" }

    /// The numerical nullity of `jacobian`: the number of its eigenvalues
    /// (symmetric) or singular values s with |s| <= `cutoff` · max|s|.
    public func nullity(of jacobian: Matrix, isSymmetric: Bool) throws -> Int {
        try TruncatedPseudoInverse(jacobian, isSymmetric: isSymmetric, cutoff: cutoff).dropped
    }

    // The line search's constants: Armijo's α and the most halvings of τ.
    private static let sufficientDecrease = 1e-4
    private static let maxBacktracks = 40
    // Levenberg–Marquardt: the most increases of μ in one iteration.
    private static let maxDampingIncreases = 40
    /// |x|∞ beyond this (relative to the start) counts as divergence.
    private static let divergenceBound = 1e100

    public func solve(_ system: any NonlinearSystem, from x0: [Double], constraints: [SignConstraint]? = nil)
        throws -> NewtonResult
    {
        let n = system.dimension
        try validateStart(x0, dimension: n, constraints: constraints)
        var counts = (residuals: 0, jacobians: 0)
        var iterations = 0

        /// F(x), with the reason if some entry is not finite.
        func residual(_ x: [Double]) throws -> (value: [Double], failure: NonFiniteValueError?) {
            counts.residuals += 1
            let f = try checkedResidual(of: system, at: x)
            return (f, NonFiniteValueError(checking: f, quantity: .residual, argument: .point(x)))
        }
        func jacobian(_ x: [Double]) throws -> (value: Matrix, failure: NonFiniteValueError?) {
            counts.jacobians += 1
            let j = try checkedJacobian(of: system, at: x)
            return (j, NonFiniteValueError(checking: j.elements, quantity: .jacobian, argument: .point(x), matrixDimension: n))
        }
        func result(_ x: [Double], _ f: [Double], _ status: NewtonResult.Status, nullity: Int? = nil) -> NewtonResult {
            NewtonResult(
                solution: x, residual: f, iterations: iterations, residualEvaluations: counts.residuals,
                jacobianEvaluations: counts.jacobians, status: status, nullity: nullity, method: name)
        }
        /// The step shortened to `maxStep` and to the constraints.
        func limited(_ step: [Double], at x: [Double]) -> [Double] {
            var factor = 1.0
            if let maxStep { factor = min(factor, maxStep / Vector.norm(step)) }
            if let constraints { factor = min(factor, constraints.admissibleFraction(from: x, step: step)) }
            return factor < 1 ? step.map { $0 * factor } : step
        }
        /// max_i |δ_i| / (|x_i + δ_i| + 1), KINSOL's scaled step length.
        func scaledLength(_ step: [Double], at x: [Double]) -> Double {
            var length = 0.0
            for i in step.indices { length = max(length, abs(step[i]) / (abs(x[i] + step[i]) + 1)) }
            return length
        }
        func moved(_ x: [Double], _ step: [Double], _ τ: Double) -> [Double] {
            zip(x, step).map { $0 + τ * $1 }
        }

        var x = x0
        let start = try residual(x)
        var f = start.value
        if let failure = start.failure {
            return result(x, f, .diverged("the residual is not finite at the start: \(failure)"))
        }
        var μ: Double?  // Levenberg–Marquardt damping, kept between iterations
        let bound = Self.divergenceBound * max(1, Vector.maxAbs(x0))

        while true {
            if Vector.maxAbs(f) <= residualTolerance {
                let j = try jacobian(x)
                let nullity = j.failure == nil ? try self.nullity(of: j.value, isSymmetric: system.isSymmetric) : nil
                return result(x, f, .converged, nullity: nullity)
            }
            if iterations == maxIterations { return result(x, f, .maxIterations) }
            iterations += 1

            let j = try jacobian(x)
            if let failure = j.failure { return result(x, f, .diverged("\(failure)")) }
            let J = j.value
            let halfSquare = 0.5 * Vector.dot(f, f)
            var next: (x: [Double], f: [Double], step: [Double])?

            // The minimum-norm Newton step with backtracking.
            let pseudoInverse = try TruncatedPseudoInverse(J, isSymmetric: system.isSymmetric, cutoff: cutoff)
            let δ = limited(pseudoInverse.apply(f).map { -$0 }, at: x)
            let slope = Vector.dot(f, BLAS.multiply(J, δ))  // d/dτ ½|F(x + τδ)|² at τ = 0
            if slope < 0 {
                var τ = 1.0
                for _ in 0...Self.maxBacktracks {
                    let step = δ.map { $0 * τ }
                    if scaledLength(step, at: x) <= stepTolerance { break }
                    let trial = moved(x, δ, τ)
                    let r = try residual(trial)
                    let armijo = halfSquare + Self.sufficientDecrease * τ * slope
                    if r.failure == nil, 0.5 * Vector.dot(r.value, r.value) <= armijo {
                        next = (trial, r.value, step)
                        break
                    }
                    τ *= 0.5
                }
            }

            // Levenberg–Marquardt when the Newton direction gives no decrease.
            if next == nil {
                let g = BLAS.multiply(J, f, transpose: true)  // ∇ ½|F|² = Jᵀ F
                if Vector.maxAbs(g) == 0 {
                    return result(x, f, .stalled(
                        "Jᵀ F = 0 with |F|∞ = \(Vector.maxAbs(f)): a stationary point of |F|² that is not a root"))
                }
                var normal = BLAS.multiply(J, J, transposeA: true)
                let largestDiagonal = (0..<n).map { normal[$0, $0] }.max() ?? 0
                var damping = μ ?? 1e-3 * (largestDiagonal > 0 ? largestDiagonal : Vector.norm(g))
                let original = normal
                let norm = Vector.norm(f)
                for _ in 0..<Self.maxDampingIncreases {
                    normal = original
                    for i in 0..<n { normal[i, i] += damping }
                    if let solved = try? LAPACK.solve(normal, g.map { -$0 }) {
                        let step = limited(solved, at: x)
                        if scaledLength(step, at: x) <= stepTolerance { break }
                        let trial = moved(x, step, 1)
                        let r = try residual(trial)
                        if r.failure == nil, Vector.norm(r.value) < norm {
                            next = (trial, r.value, step)
                            μ = damping / 3
                            break
                        }
                    }
                    damping *= 10
                }
                if next == nil {
                    return result(x, f, .stalled(
                        "no step decreases |F|: neither the minimum-norm step nor Levenberg–Marquardt steps down to "
                            + "the step tolerance \(stepTolerance) (|F|∞ = \(Vector.maxAbs(f)), |Jᵀ F| = "
                            + "\(Vector.norm(g)): near a local minimum of |F| that is not a root)"))
                }
            }

            guard let accepted = next else { preconditionFailure("a step was accepted or the solve returned") }
            let length = scaledLength(accepted.step, at: x)
            x = accepted.x
            f = accepted.f
            if !(Vector.maxAbs(x) <= bound) {
                return result(x, f, .diverged("the iterates grow without bound: |x|∞ = \(Vector.maxAbs(x))"))
            }
            if Vector.maxAbs(f) > residualTolerance, length <= stepTolerance {
                return result(x, f, .stalled(
                    "the scaled step \(length) fell to the step tolerance \(stepTolerance) with |F|∞ = "
                        + "\(Vector.maxAbs(f)) above the tolerance \(residualTolerance)"))
            }
        }
    }
}
