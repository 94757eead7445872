import EBMLinearAlgebra

/// The outcome of a Newton solve of F(x) = 0: where it ended, how small
/// |F| is there, what it cost, and why it stopped.
///
/// `status` is `.converged` only when `residualMaxNorm <= residualTolerance`
/// of the method that produced it; every other ending says why in words that
/// start with the solver's flag name where there is one
/// (`"KIN_STEP_LT_STPTOL: …"`).
public struct NewtonResult: Sendable, CustomStringConvertible {
    /// How the solve ended.
    public enum Status: Equatable, Sendable, Codable, CustomStringConvertible {
        /// |F(x)|∞ <= the residual tolerance.
        case converged
        /// The iteration stopped making progress with |F| above the
        /// tolerance: the step fell below the step tolerance, the line search
        /// found no decrease, the Jacobian could not be factored.
        case stalled(String)
        /// The iterates left the region where F is finite or grew without
        /// bound.
        case diverged(String)
        /// The iteration limit was reached before any other ending.
        case maxIterations

        public var isConverged: Bool { self == .converged }

        public var description: String {
            switch self {
            case .converged: return "converged"
            case .stalled(let reason): return "stalled (\(reason))"
            case .diverged(let reason): return "diverged (\(reason))"
            case .maxIterations: return "maximum number of iterations reached"
            }
        }
    }

    /// One solve that a `NewtonSolver` ran before the one whose outcome this
    /// result reports (KINSOL before the minimum-norm fallback).
    public struct Attempt: Sendable {
        public let method: String
        public let status: Status
        public let solution: [Double]
        public let residualMaxNorm: Double
        public let iterations: Int
        public let residualEvaluations: Int
        public let jacobianEvaluations: Int
    }

    /// The last iterate: the root when `status` is `.converged`.
    public let solution: [Double]
    /// F(`solution`).
    public let residual: [Double]
    /// |F(solution)|₂.
    public let residualNorm: Double
    /// |F(solution)|∞, the quantity the residual tolerance bounds.
    public let residualMaxNorm: Double
    /// Newton iterations (KINSOL's `nni`), over every attempt.
    public let iterations: Int
    /// Evaluations of F, over every attempt (KINSOL's `nfe` plus any the
    /// wrapper made itself).
    public let residualEvaluations: Int
    /// Evaluations of J, over every attempt (KINSOL's `nje`).
    public let jacobianEvaluations: Int
    public let status: Status
    /// The number of Jacobian eigen- (symmetric) or singular values at
    /// `solution` with |λ| <= cutoff · max|λ|: the dimension of the solution
    /// set's tangent space when the roots form a manifold, 0 at a regular
    /// root. nil when not computed (KINSOL alone does not).
    public let nullity: Int?
    /// The method that produced `solution` ("KINSOL", "minimum-norm Newton").
    public let method: String
    /// The attempts before this one, in order (empty unless a `NewtonSolver`
    /// fell back).
    public let precedingAttempts: [Attempt]

    public init(
        solution: [Double], residual: [Double], iterations: Int, residualEvaluations: Int,
        jacobianEvaluations: Int, status: Status, nullity: Int?, method: String,
        precedingAttempts: [Attempt] = []
    ) {
        self.solution = solution
        self.residual = residual
        // Vector's norms skip NaNs (max ignores them): a NaN residual must not look small.
        let hasNaN = residual.contains { $0.isNaN }
        self.residualNorm = hasNaN ? .nan : Vector.norm(residual)
        self.residualMaxNorm = hasNaN ? .nan : Vector.maxAbs(residual)
        self.iterations = iterations
        self.residualEvaluations = residualEvaluations
        self.jacobianEvaluations = jacobianEvaluations
        self.status = status
        self.nullity = nullity
        self.method = method
        self.precedingAttempts = precedingAttempts
    }

    public var isConverged: Bool { status.isConverged }

    /// This result as an attempt preceding another.
    var asAttempt: Attempt {
        Attempt(
            method: method, status: status, solution: solution, residualMaxNorm: residualMaxNorm,
            iterations: iterations, residualEvaluations: residualEvaluations,
            jacobianEvaluations: jacobianEvaluations)
    }

    public var description: String {
        var text = "\(method): \(status) after \(iterations) iterations, |F|∞ = \(residualMaxNorm)"
            + " (\(residualEvaluations) residual and \(jacobianEvaluations) Jacobian evaluations)"
        if let nullity { text += ", nullity \(nullity)" }
        for attempt in precedingAttempts { text += "; after \(attempt.method): \(attempt.status)" }
        return text
    }
}

/// A Newton-type method for F(x) = 0: a small value handed to `solve`, to
/// `NewtonSolver` or to `Deflation.findRoots`.
public protocol NewtonMethod: Sendable {
    /// The bound on |F|∞ below which a point is a root.
    var residualTolerance: Double { get }
    /// Solves `system` from `x0`, keeping the iterates inside `constraints`
    /// (one per unknown; nil for none). A residual or Jacobian that throws
    /// stops the solve and its error is rethrown as it is; every other
    /// ending, including non-convergence, is a `NewtonResult`.
    ///
    /// - Throws: the system's own error; `InvalidArgumentError` when `x0` has
    ///   the wrong length, is not finite or breaks a constraint; a solver
    ///   error (`KINSOLError`, `LAPACKError`) for failures that are not the
    ///   iteration's.
    func solve(_ system: any NonlinearSystem, from x0: [Double], constraints: [SignConstraint]?) throws
        -> NewtonResult
}

extension NewtonMethod {
    /// `solve(system, from: x0, constraints: nil)`.
    public func solve(_ system: any NonlinearSystem, from x0: [Double]) throws -> NewtonResult {
        try solve(system, from: x0, constraints: nil)
    }
}

/// Refuses a start of the wrong length, with a non-finite entry, or outside
/// the constraints.
func validateStart(_ x0: [Double], dimension: Int, constraints: [SignConstraint]?) throws {
    guard dimension >= 1 else {
        throw InvalidArgumentError(argument: "system.dimension", reason: "must be at least 1, got \(dimension)")
    }
    guard x0.count == dimension else {
        throw InvalidArgumentError(
            argument: "x0", reason: "has \(x0.count) components, the system has dimension \(dimension)")
    }
    if let i = x0.firstIndex(where: { !$0.isFinite }) {
        throw InvalidArgumentError(argument: "x0", reason: "component \(i) is \(x0[i])")
    }
    try constraints?.validate(x0, argument: "x0")
}
