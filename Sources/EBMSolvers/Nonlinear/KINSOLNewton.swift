/// Newton's method on F(x) = 0 as KINSOL runs it,
///
///     J(x_k) δ_k = -F(x_k),   x_{k+1} = x_k + τ_k δ_k,
///
/// with the system's analytic dense Jacobian, a dense LU solve, and either
/// the full step (τ = 1, `KIN_NONE`) or KINSOL's backtracking line search on
/// ½|F|² with the α- and β-conditions (`KIN_LINESEARCH`). Stops when
///
///     |F(x_k)|∞ <= residualTolerance                 (KINSOL's fnormtol)
///     max_i |x_{k+1,i} - x_{k,i}| / (|x_{k+1,i}| + 1) <= stepTolerance  (scsteptol)
///
/// the second counting as converged only when the first holds as well: a
/// small step with a large residual is a stall (`KIN_STEP_LT_STPTOL` is not
/// success). Unit scaling of u and F.
///
/// The *method* value: it refuses invalid options when built; `solve` builds
/// a `KINSOLSolver` (which owns the C objects) for one system.
public struct KINSOLNewton: NewtonMethod, Equatable {
    /// fnormtol > 0: the bound on |F|∞.
    public let residualTolerance: Double
    /// scsteptol > 0: the bound on the scaled step.
    public let stepTolerance: Double
    /// mxiter >= 1 (KINSOL's default is 200).
    public let maxIterations: Int
    /// `KIN_LINESEARCH` when true, `KIN_NONE` (full Newton steps) when false.
    public let lineSearch: Bool
    /// mxnewtstep > 0, the longest step |δ|₂ allowed; nil keeps KINSOL's
    /// default, max(1000 |x₀|₂, 1).
    public let maxNewtonStep: Double?
    /// msbset >= 1: the Jacobian is re-evaluated at least every this many
    /// iterations; 1 is exact Newton, KINSOL's default 10 modified Newton.
    public let jacobianUpdateInterval: Int

    /// - Throws: `InvalidArgumentError` naming the first option out of range.
    public init(
        residualTolerance: Double = 1e-10,
        stepTolerance: Double = 1e-12,
        maxIterations: Int = 200,
        lineSearch: Bool = true,
        maxNewtonStep: Double? = nil,
        jacobianUpdateInterval: Int = 1
    ) throws {
        let options = OptionChecks(owner: "KINSOLNewton")
        try options.newtonStopping(residualTolerance: residualTolerance, stepTolerance: stepTolerance,
                                   maxIterations: maxIterations)
        try options.positiveFinite(maxNewtonStep, "maxNewtonStep")
        try options.atLeast(jacobianUpdateInterval, 1, "jacobianUpdateInterval")
        self.residualTolerance = residualTolerance
        self.stepTolerance = stepTolerance
        self.maxIterations = maxIterations
        self.lineSearch = lineSearch
        self.maxNewtonStep = maxNewtonStep
        self.jacobianUpdateInterval = jacobianUpdateInterval
    }

    /// The defaults: |F|∞ <= 1e-10, scaled step 1e-12, 200 iterations, line
    /// search, exact Newton.
    public static let standard = try! KINSOLNewton()

    /// "KINSOL", with the strategy.
    public var name: String {
        var name = jacobianUpdateInterval == 1 ? "KINSOL exact Newton" : "KINSOL modified Newton"
        if lineSearch { name += " with line search" }
        return name
    }

    /// Solves F(x) = 0 from `x0` with a fresh `KINSOLSolver`. To solve one
    /// system from many starts, build the solver once and call its
    /// `solve(from:)`.
    public func solve(_ system: any NonlinearSystem, from x0: [Double], constraints: [SignConstraint]? = nil)
        throws -> NewtonResult
    {
        try validateStart(x0, dimension: system.dimension, constraints: constraints)
        return try KINSOLSolver(system: system, method: self, constraints: constraints).solve(from: x0)
    }
}
