/// atol_i in CVODE's error weights w_i = 1 / (rtol |y_i| + atol_i): one
/// value for every component, or one per component (its length must equal
/// the system's dimension).
public enum AbsoluteTolerance: Sendable, Equatable {
    case scalar(Double)
    case vector([Double])
}

/// How the Newton iteration's linear systems (I - γJ) x = b are solved.
public enum LinearSolverChoice: Sendable, Equatable {
    /// A dense n × n matrix built from the system's analytic Jacobian if it
    /// provides one, otherwise from CVODE's difference quotients, factored by
    /// LAPACK (`NewtonMatrixLinearSolver`): Cholesky when I - γJ is symmetric
    /// positive definite, Bunch–Kaufman when symmetric indefinite, LU
    /// otherwise. O(n³) per factorisation (n³/3 when symmetric): right for n
    /// up to a few hundred.
    case dense
    /// The same dense matrix factored by CVODE's own unblocked LU
    /// (`SUNLinSol_Dense`), as before the LAPACK solver existed.
    case cvodeDense
    /// GMRES on at most `maxKrylovDimension` Krylov vectors, no restarts, no
    /// preconditioner (`SUNLinSol_SPGMR`), matrix-free: the system's J v if it
    /// provides it, otherwise CVODE's difference quotients.
    case gmres(maxKrylovDimension: Int)

    /// The case's name in Swift (`dense`, `cvodeDense`, `gmres`), for messages.
    var caseName: String {
        switch self {
        case .dense: return "dense"
        case .cvodeDense: return "cvodeDense"
        case .gmres: return "gmres"
        }
    }
}

/// Where the Newton iteration's Jacobian information comes from.
public enum JacobianChoice: Sendable, Equatable {
    /// The system's (a dense Jacobian for `.dense`, J v products for
    /// `.gmres`) when it provides it, otherwise CVODE's difference quotients.
    case automatic
    /// The system's, required: building the integrator throws
    /// `MissingCapabilityError` if the system does not provide it.
    case analytic
    /// CVODE's difference quotients even if the system provides more (to
    /// check an analytic Jacobian, for instance).
    case differenceQuotient
}

/// When CVODE rebuilds what its Newton iteration uses (CVODE's `msbp`,
/// `msbj` and `dgmax_lsetup`; nil keeps CVODE's default). A setup forms
/// `M = I - γJ` from the saved Jacobian and factors it (with `.dense`);
/// a Jacobian evaluation also recomputes J. CVODE sets up again when the
/// Newton iteration fails or converges slowly, and otherwise only when
/// `stepsBetweenSetups` steps have passed or γ has changed by more than
/// the fraction `setupGammaChange` since the last setup; it re-evaluates J
/// at the latest after `stepsBetweenJacobians` steps.
public struct NewtonMatrixPolicy: Sendable, Equatable {
    /// `msbp` (`CVodeSetLSetupFrequency`), CVODE's default 20; at least 1.
    public let stepsBetweenSetups: Int?
    /// `msbj` (`CVodeSetJacEvalFrequency`), CVODE's default 51; at least 1.
    public let stepsBetweenJacobians: Int?
    /// `dgmax_lsetup` (`CVodeSetDeltaGammaMaxLSetup`): the largest relative
    /// change |γ/γ_setup - 1| before a new setup, CVODE's default 0.3; > 0.
    public let setupGammaChange: Double?

    /// CVODE's defaults.
    public static let cvodeDefaults = NewtonMatrixPolicy()

    /// - Throws: `InvalidArgumentError` for a step count below 1 or a
    ///   non-positive or non-finite γ change.
    public init(stepsBetweenSetups: Int? = nil, stepsBetweenJacobians: Int? = nil,
                setupGammaChange: Double? = nil) throws {
        let options = OptionChecks(owner: "NewtonMatrixPolicy")
        if let steps = stepsBetweenSetups { try options.atLeast(steps, 1, "stepsBetweenSetups") }
        if let steps = stepsBetweenJacobians { try options.atLeast(steps, 1, "stepsBetweenJacobians") }
        try options.positiveFinite(setupGammaChange, "setupGammaChange")
        self.stepsBetweenSetups = stepsBetweenSetups
        self.stepsBetweenJacobians = stepsBetweenJacobians
        self.setupGammaChange = setupGammaChange
    }

    private init() {
        stepsBetweenSetups = nil
        stepsBetweenJacobians = nil
        setupGammaChange = nil
    }
}

/// The variable-order, variable-step backward differentiation formulas
///
///     Σ_{j=0}^{q} α_j y_{n-j} = h_n β_0 f(t_n, y_n),   1 ≤ q ≤ `maxOrder` ≤ 5,
///
/// as CVODE implements them (its `CV_BDF` linear multistep method), with a Newton
/// iteration on the implicit equation whose linear systems (I - γJ) x = b are
/// solved by `linearSolver`. The local error of each step is kept below
///
///     ‖e‖_WRMS ≤ 1,   w_i = 1 / (relativeTolerance |y_i| + atol_i).
///
/// A value of this type is the *method* handed to `CVodeIntegrator`; it
/// refuses invalid options when built.
public struct BDF: Sendable, Equatable {
    /// rtol > 0.
    public let relativeTolerance: Double
    /// atol > 0 (every component).
    public let absoluteTolerance: AbsoluteTolerance
    /// The most internal steps one `advance(to:)` may take before it fails
    /// with `.tooMuchWork` (CVODE's `mxstep`, counted per call; CVODE's own
    /// default is 500).
    public let maxSteps: Int
    public let linearSolver: LinearSolverChoice
    /// Highest BDF order q, 1...5.
    public let maxOrder: Int
    /// First step size to attempt (> 0, forward integration); nil lets CVODE
    /// estimate it from the initial derivative.
    public let initialStep: Double?
    /// Upper bound on |h| (> 0); nil means unbounded.
    public let maxStep: Double?
    /// Analytic or difference-quotient Jacobian information.
    public let jacobian: JacobianChoice
    /// When the Newton matrix is rebuilt and J re-evaluated.
    public let newtonMatrixPolicy: NewtonMatrixPolicy

    /// - Throws: `InvalidArgumentError` naming the first option out of range:
    ///   non-positive or non-finite tolerances, an empty tolerance vector,
    ///   `maxSteps < 1`, `maxOrder` outside 1...5, a Krylov dimension < 1, a
    ///   non-positive `initialStep` or `maxStep`.
    public init(
        relativeTolerance: Double,
        absoluteTolerance: AbsoluteTolerance,
        maxSteps: Int,
        linearSolver: LinearSolverChoice = .dense,
        maxOrder: Int = 5,
        initialStep: Double? = nil,
        maxStep: Double? = nil,
        jacobian: JacobianChoice = .automatic,
        newtonMatrixPolicy: NewtonMatrixPolicy = .cvodeDefaults
    ) throws {
        let options = OptionChecks(owner: "BDF")
        try options.positiveFinite(relativeTolerance, "relativeTolerance")
        switch absoluteTolerance {
        case .scalar(let atol):
            try options.positiveFinite(atol, "absoluteTolerance")
        case .vector(let atol):
            try options.require(!atol.isEmpty, "absoluteTolerance", "the vector is empty")
            if let i = atol.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw options.refuse("absoluteTolerance", "component \(i) must be positive and finite, got \(atol[i])")
            }
        }
        try options.atLeast(maxSteps, 1, "maxSteps")
        if case .gmres(let dimension) = linearSolver, dimension < 1 {
            throw options.refuse("linearSolver", "the maximum Krylov dimension must be at least 1, got \(dimension)")
        }
        try options.require((1...5).contains(maxOrder), "maxOrder", "must be in 1...5, got \(maxOrder)")
        try options.positiveFinite(initialStep, "initialStep")
        if let h = maxStep, !(h > 0) { throw options.refuse("maxStep", "must be positive, got \(h)") }

        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxSteps = maxSteps
        self.linearSolver = linearSolver
        self.maxOrder = maxOrder
        self.initialStep = initialStep
        self.maxStep = maxStep
        self.jacobian = jacobian
        self.newtonMatrixPolicy = newtonMatrixPolicy
    }
}
