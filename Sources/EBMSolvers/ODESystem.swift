/// A first-order system of ordinary differential equations
///
///     dy/dt = f(t, y),   y ∈ ℝⁿ,  n = `dimension`,
///
/// as the integrators in this module see it. Conformers evaluate `f`; what
/// else they can evaluate is a capability, a protocol of its own that the
/// integrator looks for when it is built (never inside a callback):
///
/// * `DenseJacobianODESystem` — `J = ∂f/∂y` as a dense matrix, for the
///   direct linear solver;
/// * `JacobianVectorProductODESystem` — products `J v`, for matrix-free
///   GMRES;
/// * `PreconditionedODESystem` — a left preconditioner `P ≈ I - γJ` for
///   GMRES.
///
/// Without them CVODE uses its difference quotients, unless the method asks
/// for the analytic Jacobian (`BDF.jacobian == .analytic`): building the
/// integrator then throws `MissingCapabilityError`.
///
/// The buffers passed in are SUNDIALS' own vectors (this process's entries of
/// them under MPI): they are valid only for the duration of the call and must
/// not be retained. A thrown error stops the integration and comes back as
/// `SundialsError.underlying`; non-finite outputs are caught by the
/// integrator, which asks CVODE to retry with a smaller step.
public protocol ODESystem: AnyObject {
    /// n, the length of the state vector (this process's entries of it when
    /// the integrator's vectors are distributed).
    var dimension: Int { get }

    /// ydot = f(t, y). `derivative` has `dimension` entries with undefined
    /// contents on entry: every entry must be written.
    func evaluateRightHandSide(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        derivative: UnsafeMutableBufferPointer<Double>
    ) throws
}

/// An ODE system that evaluates its dense Jacobian `J = ∂f/∂y`; the dense
/// linear solver then uses it instead of CVODE's difference quotients, which
/// cost n extra right-hand-side evaluations per Jacobian.
public protocol DenseJacobianODESystem: ODESystem {
    /// Whether `evaluateJacobian` is to be used (default true): lets one type
    /// offer the Jacobian or not per instance.
    var providesDenseJacobian: Bool { get }

    /// J = ∂f/∂y at (t, y), column-major n × n: J_ij lives at `jacobian[i + j n]`.
    /// `rightHandSide` holds f(t, y). `jacobian` is already zeroed (CVODE clears
    /// it before each evaluation), so only non-zero entries need writing.
    func evaluateJacobian(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) throws
}

extension DenseJacobianODESystem {
    public var providesDenseJacobian: Bool { true }
}

/// An ODE system that evaluates Jacobian-vector products `J v`; GMRES then
/// uses them instead of CVODE's difference quotient
/// J v ≈ [f(t, y + σv) - f(t, y)] / σ, one right-hand side per product.
public protocol JacobianVectorProductODESystem: ODESystem {
    /// Whether the products are to be used (default true).
    var providesJacobianVectorProduct: Bool { get }

    /// Called before each linear solve with the (t, y) at which the following
    /// `evaluateJacobianVectorProduct` calls will be made, so that work they
    /// share (a model's probabilities at y, say) is done once per solve rather
    /// than once per product. CVODE's `CVLsJacTimesSetupFn`. Default: nothing.
    func prepareJacobianVectorProducts(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>
    ) throws

    /// product = J(t, y) v. `rightHandSide` holds f(t, y); `product` has
    /// `dimension` entries, every one of which must be written.
    func evaluateJacobianVectorProduct(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>,
        vector: UnsafeBufferPointer<Double>,
        product: UnsafeMutableBufferPointer<Double>
    ) throws
}

extension JacobianVectorProductODESystem {
    public var providesJacobianVectorProduct: Bool { true }

    public func prepareJacobianVectorProducts(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>
    ) throws {}
}

/// An ODE system that supplies a left preconditioner `P ≈ I - γJ` for GMRES.
public protocol PreconditionedODESystem: ODESystem {
    /// Whether the preconditioner is to be used (default true).
    var providesPreconditioner: Bool { get }

    /// Builds the preconditioner at (t, y) for `I - γJ` (CVODE's
    /// `CVLsPrecSetupFn`, called at most as often as the Jacobian would be).
    func preparePreconditioner(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>,
        gamma: Double
    ) throws

    /// Solves `P z = r` with the preconditioner last prepared, for the γ of
    /// the current step (CVODE's `CVLsPrecSolveFn`). Every entry of
    /// `solution` must be written.
    func solvePreconditioner(
        time: Double,
        state: UnsafeBufferPointer<Double>,
        rightHandSide: UnsafeBufferPointer<Double>,
        residual: UnsafeBufferPointer<Double>,
        solution: UnsafeMutableBufferPointer<Double>,
        gamma: Double
    ) throws
}

extension PreconditionedODESystem {
    public var providesPreconditioner: Bool { true }
}

/// Event functions g(t, y) ∈ ℝᵐ, m = `count`, whose zeros the integrator
/// locates (CVODE's `CVRootFn`): an advance stops at the first t where some
/// g_i(t, y(t)) changes sign.
public struct RootFunctions {
    /// m ≥ 1, the number of event functions.
    public let count: Int
    /// `(t, y, g)`: writes g(t, y) into `g` (m entries, every one written).
    public let evaluate: (Double, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Void

    public init(
        count: Int,
        evaluate: @escaping (Double, UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Void
    ) {
        precondition(count >= 1, "RootFunctions needs at least one function, got count = \(count)")
        self.count = count
        self.evaluate = evaluate
    }
}
