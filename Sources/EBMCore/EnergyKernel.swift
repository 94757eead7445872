import EBMLinearAlgebra

/// The all-states passes of one model at one θ at a time, into buffers the
/// kernel owns and reuses: the allocation-free counterpart of
/// `EnergyModel.evaluate` / `EnergyEvaluation`, for the right-hand sides,
/// Jacobians and Jacobian-vector products of an integration.
///
/// `evaluate` sets the point; every other call refers to the last point
/// evaluated. A kernel is not thread-safe (one per integrator), but may use
/// several threads inside a call (`Parallelism`), with results that do not
/// depend on their number. Vectors over parameters have the model's full
/// `P` entries, vectors over states `2^n`.
public protocol EnergyKernel: AnyObject {
    var parameterCount: Int { get }
    var stateCount: Int { get }

    /// `E_θ(x)` for every state into `energies`; keeps what the derivative
    /// passes at θ need.
    func evaluate(_ theta: UnsafeBufferPointer<Double>, energies: UnsafeMutableBufferPointer<Double>)

    /// `out = Σ_x w(x) ∂E_θ(x)/∂θ`.
    func pullback(_ weights: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)

    /// `out(x) = (∂E_θ(x)/∂θ) · v` for every state.
    func pushforward(_ direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)

    /// `out += Σ_x w(x) ∂²E_θ(x) v`.
    func addCurvatureProduct(weights: UnsafeBufferPointer<Double>, direction: UnsafeBufferPointer<Double>,
                             into out: UnsafeMutableBufferPointer<Double>)

    /// `∇²L v = Σ_x p ∂E (∂E·v - E_p[∂E·v]) + Σ_x (q - p) ∂²E v` with
    /// `p = probabilities`, `q - p = residual` (docs/design.md, The loss and its derivatives).
    func hessianVectorProduct(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                              direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)

    /// The dense `∇²L = Σ_x p ∂E ∂Eᵀ - (Σ_x p ∂E)(Σ_x p ∂E)ᵀ + Σ_x (q - p) ∂²E`,
    /// `P × P` column-major into `out`.
    func hessian(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                 into out: UnsafeMutableBufferPointer<Double>)

    /// The diagonal of `∇²L` when the model knows it cheaply (a transform or
    /// so), for a Jacobi preconditioner; false when it does not.
    func hessianDiagonal(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                         into out: UnsafeMutableBufferPointer<Double>) -> Bool

    /// Solves `(I + γ ∇²L) z = r` exactly when the model can do it cheaply
    /// (the full Ising model: two transforms); false when it cannot.
    func solveShiftedHessian(shift gamma: Double, probabilities: UnsafeBufferPointer<Double>,
                             residual: UnsafeBufferPointer<Double>, right: UnsafeBufferPointer<Double>,
                             into out: UnsafeMutableBufferPointer<Double>) -> Bool
}

extension EnergyKernel {
    /// Pushforward, centring and pullback with temporary arrays: correct for
    /// any kernel; fast kernels fuse the passes instead.
    public func hessianVectorProduct(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                                     direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        var u = [Double](repeating: 0, count: stateCount)
        u.withUnsafeMutableBufferPointer { pushforward(direction, into: $0) }
        var mean = 0.0
        for x in 0..<stateCount { mean += probabilities[x] * u[x] }
        for x in 0..<stateCount { u[x] = probabilities[x] * (u[x] - mean) }
        u.withUnsafeBufferPointer { pullback($0, into: out) }
        addCurvatureProduct(weights: residual, direction: direction, into: out)
    }

    public func hessianDiagonal(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                                into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        false
    }

    public func solveShiftedHessian(shift gamma: Double, probabilities: UnsafeBufferPointer<Double>,
                                    residual: UnsafeBufferPointer<Double>, right: UnsafeBufferPointer<Double>,
                                    into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        false
    }
}

/// The kernel of any `EnergyModel` through its `EnergyEvaluation` (one
/// evaluation object per point, arrays per call): the fallback for models
/// without a fast kernel of their own.
public final class EvaluationKernel: EnergyKernel {
    public let model: any EnergyModel
    private var evaluation: (any EnergyEvaluation)?

    public init(model: any EnergyModel) {
        self.model = model
    }

    public var parameterCount: Int { model.parameterCount }
    public var stateCount: Int { model.stateCount }

    private var current: any EnergyEvaluation {
        guard let evaluation else { preconditionFailure("EnergyKernel used before evaluate") }
        return evaluation
    }

    public func evaluate(_ theta: UnsafeBufferPointer<Double>, energies: UnsafeMutableBufferPointer<Double>) {
        let evaluation = model.evaluate(Array(theta))
        self.evaluation = evaluation
        _ = energies.update(fromContentsOf: evaluation.energies)
    }

    public func pullback(_ weights: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        _ = out.update(fromContentsOf: current.pullback(Array(weights)))
    }

    public func pushforward(_ direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        _ = out.update(fromContentsOf: current.pushforward(Array(direction)))
    }

    public func addCurvatureProduct(weights: UnsafeBufferPointer<Double>, direction: UnsafeBufferPointer<Double>,
                                    into out: UnsafeMutableBufferPointer<Double>) {
        let c = current.curvatureProduct(weights: Array(weights), direction: Array(direction))
        for j in 0..<c.count { out[j] += c[j] }
    }

    /// `D diag(p) Dᵀ - (Dp)(Dp)ᵀ + Σ_x w ∂²E` from the materialised energy
    /// gradients D (`P × 2^n`).
    public func hessian(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                        into out: UnsafeMutableBufferPointer<Double>) {
        let d = current.energyGradients()
        let p = Array(probabilities)
        var dp = Matrix(rows: d.rows, columns: d.columns)
        for x in 0..<d.columns { for j in 0..<d.rows { dp[j, x] = d[j, x] * p[x] } }
        let h = BLAS.multiply(dp, d, transposeB: true)
        let mean = BLAS.multiply(d, p)
        let curvature = current.curvatureMatrix(weights: Array(residual))
        let count = d.rows
        for c in 0..<count {
            for r in 0..<count { out[r + c * count] = h[r, c] + curvature[r, c] - mean[r] * mean[c] }
        }
    }
}
