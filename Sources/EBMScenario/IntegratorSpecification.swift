/// Settings of the stiff integration of `dθ/dt = -∇L(θ)` with CVODE (BDF),
/// as written in the scenario's `integrator` block. Defaults are those of
/// docs/scenarios.md.
public struct IntegratorSpecification: Sendable, Equatable {
    /// The linear solver inside CVODE's Newton iteration: `dense` with the
    /// analytic Hessian for small models, `gmres` (SPGMR) with matrix-free
    /// Hessian-vector products for large ones, `auto` to choose by size.
    /// `dense` factors the Newton matrix with LAPACK (Cholesky or
    /// Bunch–Kaufman, as it is symmetric); `dense_cvode` with CVODE's own LU.
    public enum LinearSolver: String, Sendable, Equatable, CaseIterable {
        case auto
        case dense
        case denseCVODE = "dense_cvode"
        case gmres
    }

    /// `rtol`: in (0, 1).
    public var relativeTolerance: Double = 1e-8
    /// `atol`: positive.
    public var absoluteTolerance: Double = 1e-10
    /// `t_end`: the integration stops here (time in units of the learning rate).
    public var endTime: Double = 1e4
    /// `grad_tol`: stop early once `|∇L|` falls below; 0 never stops early.
    public var gradientTolerance: Double = 1e-10
    /// `linear_solver`.
    public var linearSolver: LinearSolver = .auto
    /// `max_steps`: the most internal steps CVODE may take in total.
    public var maxSteps: Int = 1_000_000
    /// `setup_steps`: the most steps between two setups of the Newton
    /// matrix (CVODE's `msbp`); nil keeps CVODE's 20.
    public var setupSteps: Int?
    /// `jacobian_steps`: the most steps between two Jacobian evaluations
    /// (CVODE's `msbj`); nil keeps CVODE's 51.
    public var jacobianSteps: Int?
    /// `setup_gamma_change`: the relative change of γ (step size times the
    /// method's coefficient) that forces a new setup (CVODE's
    /// `dgmax_lsetup`); nil keeps CVODE's 0.3.
    public var setupGammaChange: Double?
}

extension IntegratorSpecification {
    /// Every default: what a scenario without an `integrator` block asks for.
    public static let `default` = IntegratorSpecification()

    static let keys = ["rtol", "atol", "t_end", "grad_tol", "linear_solver", "max_steps", "setup_steps",
                       "jacobian_steps", "setup_gamma_change"]

    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> IntegratorSpecification {
        let defaults = IntegratorSpecification()
        guard let map = reader.block(node, keys: keys) else { return defaults }
        let positive = ScenarioReader.positive()
        let relativeTolerance = reader.value(map["rtol"], reader.number) {
            $0 > 0 && $0 < 1 ? nil : "a relative tolerance must be positive and below 1"
        }
        let gradientTolerance = reader.value(map["grad_tol"], reader.number) {
            $0 >= 0 ? nil : "must be >= 0 (0 never stops early)"
        }
        let linearSolver: LinearSolver? = reader.value(map["linear_solver"]) { reader.choice($0, "linear solver") }
        return IntegratorSpecification(
            relativeTolerance: relativeTolerance ?? defaults.relativeTolerance,
            absoluteTolerance: reader.value(map["atol"], reader.number, positive) ?? defaults.absoluteTolerance,
            endTime: reader.value(map["t_end"], reader.number, positive) ?? defaults.endTime,
            gradientTolerance: gradientTolerance ?? defaults.gradientTolerance,
            linearSolver: linearSolver ?? defaults.linearSolver,
            maxSteps: reader.value(map["max_steps"], reader.integer, ScenarioReader.atLeast(1)) ?? defaults.maxSteps,
            setupSteps: reader.value(map["setup_steps"], reader.integer, ScenarioReader.atLeast(1)),
            jacobianSteps: reader.value(map["jacobian_steps"], reader.integer, ScenarioReader.atLeast(1)),
            setupGammaChange: reader.value(map["setup_gamma_change"], reader.number, positive))
    }
}
