import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// The gradient flow of maximum-likelihood training,
/// `dθ/dt = -∇L(θ)`, `θ(0) = θ_0`, on `0 ≤ t ≤ endTime`, stopped early once
/// `|∇L| < gradientTolerance` (0 disables the early stop). θ are the free
/// parameters of the objective.
public struct GradientFlowProblem: Sendable {
    public let objective: LearningObjective
    public let initialParameters: [Double]
    public let endTime: Double
    public let gradientTolerance: Double

    public init(objective: LearningObjective, initialParameters: [Double], endTime: Double, gradientTolerance: Double = 0) {
        precondition(initialParameters.count == objective.dimension, "initial point has the wrong dimension")
        precondition(endTime > 0, "endTime must be positive")
        precondition(gradientTolerance >= 0, "gradientTolerance must be >= 0")
        self.objective = objective
        self.initialParameters = initialParameters
        self.endTime = endTime
        self.gradientTolerance = gradientTolerance
    }
}

/// Which CVODE linear solver the Newton iteration uses.
public enum LinearSolverSelection: String, Sendable, CaseIterable {
    /// Dense with the analytic Hessian up to `denseLimit` free parameters, GMRES above.
    case automatic = "auto"
    /// Dense, factored by LAPACK (Cholesky, Bunch–Kaufman or LU; see
    /// `LinearSolverChoice.dense`).
    case dense
    /// Dense, factored by CVODE's own LU (`SUNLinSol_Dense`).
    case denseCVODE = "dense_cvode"
    case gmres

    /// Above this many free parameters a dense `P × P` Hessian per Jacobian
    /// evaluation costs more than matrix-free Krylov iterations.
    public static let denseLimit = 256

    public func resolved(dimension: Int) -> LinearSolverChoice {
        switch self {
        case .dense: return .dense
        case .denseCVODE: return .cvodeDense
        case .gmres: return .gmres(maxKrylovDimension: min(max(dimension, 1), 50))
        case .automatic:
            return dimension <= Self.denseLimit ? .dense : .gmres(maxKrylovDimension: min(dimension, 50))
        }
    }
}

extension LinearSolverChoice {
    /// `dense`, `dense_cvode` or `gmres`, as scenarios spell them.
    public var name: String {
        switch self {
        case .dense: return "dense"
        case .cvodeDense: return "dense_cvode"
        case .gmres: return "gmres"
        }
    }
}

/// How CVODE integrates the flow: BDF with Newton iteration.
public struct GradientFlowMethod: Sendable {
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    public var maxSteps: Int
    public var linearSolver: LinearSolverSelection
    /// Threads of the all-states passes (results do not depend on it).
    public var parallelism: Parallelism
    /// Whether GMRES is preconditioned by `I + γ diag ∇²L` where the model
    /// knows the diagonal cheaply (the generalised Ising models).
    public var preconditioner: Bool
    /// When CVODE rebuilds and refactors the Newton matrix (CVODE's
    /// defaults unless a scenario sets them).
    public var newtonMatrixPolicy: NewtonMatrixPolicy

    public init(relativeTolerance: Double = 1e-8, absoluteTolerance: Double = 1e-10, maxSteps: Int = 1_000_000,
                linearSolver: LinearSolverSelection = .automatic, parallelism: Parallelism = .automatic,
                preconditioner: Bool = true, newtonMatrixPolicy: NewtonMatrixPolicy = .cvodeDefaults) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxSteps = maxSteps
        self.linearSolver = linearSolver
        self.parallelism = parallelism
        self.preconditioner = preconditioner
        self.newtonMatrixPolicy = newtonMatrixPolicy
    }

    func bdf(dimension: Int) throws -> BDF {
        try BDF(relativeTolerance: relativeTolerance, absoluteTolerance: .scalar(absoluteTolerance),
                maxSteps: maxSteps, linearSolver: linearSolver.resolved(dimension: dimension),
                newtonMatrixPolicy: newtonMatrixPolicy)
    }
}

/// Why an integration stopped.
public enum FlowStopReason: String, Codable, Sendable {
    /// `|∇L|` fell below the gradient tolerance.
    case gradientTolerance = "grad_tol"
    /// The end time was reached.
    case endTime = "t_end"
}

/// A gradient flow being integrated: owns the CVODE integrator and the ODE
/// system. Not thread-safe; one per thread.
public final class GradientFlow {
    public let problem: GradientFlowProblem
    public let method: GradientFlowMethod
    public let system: GradientFlowSystem
    let integrator: CVodeIntegrator

    /// `roots`: event functions `g(t, θ)` whose zeros `integrate` reports
    /// through `onRoot` (CVODE root finding on the interpolant of each step).
    public init(problem: GradientFlowProblem, method: GradientFlowMethod, roots: RootFunctions? = nil) throws {
        self.problem = problem
        self.method = method
        self.system = GradientFlowSystem(objective: problem.objective, parallelism: method.parallelism,
                                         preconditioner: method.preconditioner)
        self.integrator = try CVodeIntegrator(system: system, initialTime: 0, initialState: problem.initialParameters,
                                              method: try method.bdf(dimension: problem.objective.dimension),
                                              roots: roots)
    }

    public var time: Double { integrator.time }
    public var state: [Double] { integrator.state }
    public var statistics: SolverStatistics { integrator.statistics }
    public var linearSolverName: String {
        method.linearSolver.resolved(dimension: problem.objective.dimension).name
    }

    /// Starts again from `θ(0)` (CVodeReInit), keeping the solver memory.
    public func restart() throws {
        try integrator.reinitialize(time: 0, state: problem.initialParameters)
    }

    /// Starts again at t = 0 from another point (sweeps over initial
    /// conditions reuse one integrator this way).
    public func restart(from start: [Double]) throws {
        try integrator.reinitialize(time: 0, state: start)
    }

    /// θ(t) from CVODE's interpolant (t within the last step).
    public func parameters(at t: Double) throws -> [Double] {
        try integrator.denseOutput(at: t, derivative: 0)
    }

    /// dθ/dt(t) from CVODE's interpolant (t within the last step).
    public func velocity(at t: Double) throws -> [Double] {
        try integrator.denseOutput(at: t, derivative: 1)
    }

    /// Integrates step by step until `|∇L| < gradientTolerance` after a step
    /// or `endTime` (default: the problem's); calls `afterStep` with the time
    /// reached after every internal step (the interpolant is valid on the
    /// last step there). Returns why it stopped.
    ///
    /// With root functions, `onRoot(t, directions)` is called at every root
    /// CVODE locates (`directions[i]`: +1 if `g_i` rose through 0, -1 if it
    /// fell, 0 if it has no root there), in increasing `t`. A root return is
    /// not a step: CVODE hands out the end of the step that held the root on
    /// the next call, so the steps taken, the gradient checks and hence the
    /// stop time are those of the same flow without roots.
    @discardableResult
    public func integrate(until endTime: Double? = nil, afterStep: ((Double) throws -> Void)? = nil,
                          onRoot: ((Double, [Int32]) throws -> Void)? = nil) throws -> FlowStopReason {
        let end = endTime ?? problem.endTime
        try integrator.setStopTime(end)
        let tolerance = problem.gradientTolerance
        if tolerance > 0 && system.gradientNorm(at: state) < tolerance {
            return .gradientTolerance
        }
        // CVODE's mxstep counts steps per CVode call, and one-step mode makes
        // every call one step: the budget is enforced here instead.
        let firstStep = integrator.statistics.steps
        do {
            while integrator.time < end {
                if integrator.statistics.steps - firstStep >= method.maxSteps {
                    throw GradientFlowError(what: "CVODE took max_steps = \(method.maxSteps) steps (CV_TOO_MUCH_WORK) without reaching t = \(end)",
                                            time: integrator.time, stepSize: integrator.statistics.lastStepSize,
                                            gradientNorm: currentGradientNorm(), largestParameter: largestParameter(),
                                            remedy: "raise integrator.max_steps, loosen rtol/atol, or shorten t_end")
                }
                if case let .root(t, directions) = try integrator.step(toward: end) {
                    try onRoot?(t, directions)
                    continue
                }
                let t = integrator.time
                try afterStep?(t)
                if tolerance > 0 {
                    // The interpolant's derivative is -∇L to within the local
                    // error: only near the threshold is the exact norm worth a pass.
                    let approximate = try velocity(at: t)
                    if approximate.withUnsafeBufferPointer({ Vector.normIsBelow(10 * tolerance, $0) }),
                       system.gradientNorm(at: state) < tolerance {
                        return .gradientTolerance
                    }
                }
            }
        } catch let error as CVodeError {
            throw solverFailure(error)
        }
        return .endTime
    }

    /// CVODE's failure with where the flow was and what to try.
    private func solverFailure(_ error: CVodeError) -> GradientFlowError {
        GradientFlowError(what: error.description, time: error.time ?? integrator.time,
                          stepSize: error.stepSize ?? integrator.statistics.lastStepSize,
                          gradientNorm: currentGradientNorm(), largestParameter: largestParameter(),
                          remedy: "try linear_solver: gmres or dense, tighter rtol/atol, or a larger max_steps")
    }

    /// Why `integrate(until:watching:)` stopped.
    public enum WatchedStop: Equatable, Sendable {
        /// `|∇L| < gradientTolerance` after a step.
        case gradientTolerance
        /// `endTime` was reached.
        case endTime
        /// `watch` returned true after a step.
        case watched
    }

    /// The lean loop of sweeps over many starts (basin maps): the steps,
    /// gradient checks and hence the states of `integrate(until:)`, without
    /// reading CVODE's statistics or copying the interpolant after every
    /// step. `watch(t, θ)` sees the state after each step (lent, not
    /// copied) and returns true to stop there. Root functions are not
    /// supported on this path (a root return counts as a step).
    public func integrate(until end: Double, watching watch: (Double, UnsafeBufferPointer<Double>) throws -> Bool) throws -> WatchedStop {
        try integrator.setStopTime(end)
        let tolerance = problem.gradientTolerance
        if tolerance > 0 && system.gradientNorm(at: state) < tolerance {
            return .gradientTolerance
        }
        // One-step mode: each call is one step, so the budget is a count here.
        var steps = 0
        let maxSteps = method.maxSteps
        do {
            while integrator.time < end {
                if steps >= maxSteps {
                    throw GradientFlowError(what: "CVODE took max_steps = \(maxSteps) steps (CV_TOO_MUCH_WORK) without reaching t = \(end)",
                                            time: integrator.time, stepSize: integrator.statistics.lastStepSize,
                                            gradientNorm: currentGradientNorm(), largestParameter: largestParameter(),
                                            remedy: "raise integrator.max_steps, loosen rtol/atol, or shorten t_end")
                }
                try integrator.step(toward: end)
                steps += 1
                let t = integrator.time
                if tolerance > 0 {
                    let slow = try integrator.withDenseOutput(at: t, derivative: 1) {
                        Vector.normIsBelow(10 * tolerance, $0)
                    }
                    if slow,
                       integrator.withState({ system.gradientNorm(lentAt: $0) }) < tolerance {
                        return .gradientTolerance
                    }
                }
                if try integrator.withState({ try watch(t, $0) }) { return .watched }
            }
        } catch let error as CVodeError {
            throw solverFailure(error)
        }
        return .endTime
    }

    /// The free parameter of largest magnitude at the integrator's state,
    /// by name (overflowing weights are the usual cause of failures).
    func largestParameter() -> (name: String, value: Double)? {
        let theta = state
        guard let j = theta.indices.max(by: { abs(theta[$0]) < abs(theta[$1]) }) else { return nil }
        return (problem.objective.freeParameterNames[j], theta[j])
    }

    /// `|∇L|` at the integrator's state (nil when it cannot be evaluated).
    func currentGradientNorm() -> Double? {
        let norm = Vector.norm(problem.objective.evaluate(state).gradient)
        return norm.isFinite ? norm : nil
    }
}

/// The flow could not be integrated: what CVODE reported, where (time, step
/// size, |∇L| there) and what to change.
public struct GradientFlowError: Error, CustomStringConvertible {
    public let what: String
    public let time: Double
    public let stepSize: Double
    public let gradientNorm: Double?
    public let largestParameter: (name: String, value: Double)?
    public let remedy: String

    public var description: String {
        let gradient = gradientNorm.map { String(format: "%.3e", $0) } ?? "not finite"
        let largest = largestParameter.map { ", largest parameter \($0.name) = \(String(format: "%.6g", $0.value))" } ?? ""
        return "\(what); at t = \(String(format: "%.6g", time)), step size \(String(format: "%.3e", stepSize)), |grad L| = \(gradient)\(largest); \(remedy)"
    }
}


extension GradientFlowSystem {
    /// `|∇L(θ)|` at a lent θ, through the workspace.
    func gradientNorm(lentAt free: UnsafeBufferPointer<Double>) -> Double {
        workspace.ensureEvaluated(at: free)
        return Vector.norm(workspace.gradient)
    }
}
