#if canImport(Glibc)
import Glibc
#endif
import EBMLinearAlgebra

/// The objective's loss and derivatives at one point at a time, into
/// buffers allocated once: what an integrator calls thousands of times.
///
/// `evaluate(free)` runs the model's all-states pass (`EnergyKernel`) and
/// the Boltzmann weights `p = e^{-E}/Z`, `w = q - p`; then
///
/// - `gradient`: `∇L = Σ_x w ∂E` (one pullback),
/// - `hessianVectorProduct`: `∇²L v` (one fused pass for the fast kernels),
/// - `hessian`: the dense `∇²L` (free × free),
/// - `hessianDiagonal`: `diag ∇²L` where the model has it cheaply,
///
/// all at the last point evaluated. Chunked like the kernels, so results do
/// not depend on the number of threads. One workspace per thread.
public final class ObjectiveWorkspace {
    public let objective: LearningObjective
    public let kernel: any EnergyKernel
    public let parallelism: Parallelism
    public let stateCount: Int
    /// P, the model's parameter count (free and frozen).
    public let parameterCount: Int
    /// The number of free parameters.
    public let dimension: Int

    let states: Chunking
    let theta: UnsafeMutableBufferPointer<Double>
    let energies: UnsafeMutableBufferPointer<Double>
    let probabilities: UnsafeMutableBufferPointer<Double>
    let residual: UnsafeMutableBufferPointer<Double>
    /// Full-length parameter vectors for frozen models.
    let fullIn: UnsafeMutableBufferPointer<Double>
    let fullOut: UnsafeMutableBufferPointer<Double>
    let point: UnsafeMutableBufferPointer<Double>
    let partials: UnsafeMutablePointer<Double>
    /// `log Z` of the last evaluation.
    public private(set) var logPartition = 0.0
    public private(set) var hasPoint = false
    /// All-states passes run (`evaluate` calls).
    public private(set) var evaluations = 0

    public init(objective: LearningObjective, parallelism: Parallelism = .automatic) {
        BLAS.singleThreaded
        self.objective = objective
        self.parallelism = parallelism
        kernel = objective.model.makeKernel(parallelism: parallelism)
        stateCount = objective.model.stateCount
        parameterCount = objective.model.parameterCount
        dimension = objective.dimension
        states = Chunking(count: stateCount, parallelism: parallelism)
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(count, 1))
            b.initialize(repeating: 0)
            return UnsafeMutableBufferPointer(rebasing: b[0..<count])
        }
        theta = buffer(parameterCount)
        energies = buffer(stateCount)
        probabilities = buffer(stateCount)
        residual = buffer(stateCount)
        fullIn = buffer(parameterCount)
        fullOut = buffer(parameterCount)
        point = buffer(dimension)
        partials = .allocate(capacity: states.chunks)
        partials.initialize(repeating: 0, count: states.chunks)
        _ = theta.update(fromContentsOf: objective.frozenValues)
    }

    deinit {
        for b in [theta, energies, probabilities, residual, fullIn, fullOut, point] { b.baseAddress?.deallocate() }
        partials.deallocate()
    }

    /// Whether the last evaluation was at exactly `free`.
    public func isEvaluated(at free: UnsafeBufferPointer<Double>) -> Bool {
        hasPoint && memcmp(point.baseAddress!, free.baseAddress!, dimension * MemoryLayout<Double>.stride) == 0
    }

    /// The all-states pass at the free parameters `free`.
    public func evaluate(_ free: UnsafeBufferPointer<Double>) {
        precondition(free.count == dimension, "expected \(dimension) free parameters, got \(free.count)")
        _ = point.update(fromContentsOf: free)
        if objective.hasFrozenParameters {
            for (k, j) in objective.freeIndices.enumerated() { theta[j] = free[k] }
        } else {
            _ = theta.update(fromContentsOf: free)
        }
        kernel.evaluate(UnsafeBufferPointer(theta), energies: energies)
        boltzmann()
        hasPoint = true
        evaluations += 1
    }

    /// Evaluates unless the last evaluation was at `free`.
    public func ensureEvaluated(at free: UnsafeBufferPointer<Double>) {
        if !isEvaluated(at: free) { evaluate(free) }
    }

    /// `p = e^{shift - E} / Σ e^{shift - E}` (shift = min E), `w = q - p`.
    private func boltzmann() {
        let e = energies.baseAddress!, p = probabilities.baseAddress!, w = residual.baseAddress!
        var shift = Double.infinity
        for x in 0..<stateCount where e[x] < shift { shift = e[x] }
        if !shift.isFinite { shift = 0 }
        let size = states.size
        states.forEach { range in
            var sum = 0.0
            for x in range {
                let v = VectorMath.exp(shift - e[x])
                p[x] = v
                sum += v
            }
            partials[range.lowerBound / size] = sum
        }
        var z = 0.0
        for c in 0..<states.chunks { z += partials[c] }
        let inverse = 1 / z
        logPartition = log(z) - shift
        objective.target.probabilities.withUnsafeBufferPointer { q in
            let q = q.baseAddress!
            states.forEach { range in
                for x in range {
                    let v = p[x] * inverse
                    p[x] = v
                    w[x] = q[x] - v
                }
            }
        }
    }

    /// `KL(q || p_θ) = Σ_x q (log q + E + log Z)` at the last point.
    public var loss: Double {
        let e = energies.baseAddress!, logZ = logPartition
        var s = 0.0
        objective.target.probabilities.withUnsafeBufferPointer { q in
            objective.target.logProbabilities.withUnsafeBufferPointer { logq in
                for x in 0..<stateCount where q[x] > 0 { s += q[x] * (logq[x] + e[x] + logZ) }
            }
        }
        return s
    }

    /// The state weights at the last point.
    public var probabilityBuffer: UnsafeBufferPointer<Double> { UnsafeBufferPointer(probabilities) }
    public var residualBuffer: UnsafeBufferPointer<Double> { UnsafeBufferPointer(residual) }

    /// `∇L` over the free parameters.
    public func gradient(into out: UnsafeMutableBufferPointer<Double>) {
        if objective.hasFrozenParameters {
            kernel.pullback(UnsafeBufferPointer(residual), into: fullOut)
            for (k, j) in objective.freeIndices.enumerated() { out[k] = fullOut[j] }
        } else {
            kernel.pullback(UnsafeBufferPointer(residual), into: out)
        }
    }

    /// `∇²L v` over the free parameters.
    public func hessianVectorProduct(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        if objective.hasFrozenParameters {
            for j in 0..<parameterCount { fullIn[j] = 0 }
            for (k, j) in objective.freeIndices.enumerated() { fullIn[j] = v[k] }
            kernel.hessianVectorProduct(probabilities: UnsafeBufferPointer(probabilities), residual: UnsafeBufferPointer(residual),
                                        direction: UnsafeBufferPointer(fullIn), into: fullOut)
            for (k, j) in objective.freeIndices.enumerated() { out[k] = fullOut[j] }
        } else {
            kernel.hessianVectorProduct(probabilities: UnsafeBufferPointer(probabilities), residual: UnsafeBufferPointer(residual),
                                        direction: v, into: out)
        }
    }

    /// The dense `∇²L` (free × free, column-major) into `out`.
    public func hessian(into out: UnsafeMutableBufferPointer<Double>) {
        if objective.hasFrozenParameters {
            let full = UnsafeMutableBufferPointer<Double>.allocate(capacity: parameterCount * parameterCount)
            defer { full.deallocate() }
            kernel.hessian(probabilities: UnsafeBufferPointer(probabilities), residual: UnsafeBufferPointer(residual), into: full)
            let free = objective.freeIndices
            for (c, jc) in free.enumerated() {
                for (r, jr) in free.enumerated() { out[r + c * dimension] = full[jr + jc * parameterCount] }
            }
        } else {
            kernel.hessian(probabilities: UnsafeBufferPointer(probabilities), residual: UnsafeBufferPointer(residual), into: out)
        }
    }

    /// `diag ∇²L` over the free parameters, when the model has it cheaply.
    public func hessianDiagonal(into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        guard kernel.hessianDiagonal(probabilities: UnsafeBufferPointer(probabilities), residual: UnsafeBufferPointer(residual),
                                     into: fullOut) else { return false }
        for (k, j) in objective.freeIndices.enumerated() { out[k] = fullOut[j] }
        return true
    }

    /// Solves `(I + γ ∇²L) z = r` over the free parameters at the last point
    /// when the model can do it exactly and cheaply (the full Ising model;
    /// with frozen parameters, the free block of the full solve: then only
    /// an approximation). False when it cannot.
    public func solveShiftedHessian(shift gamma: Double, right r: UnsafeBufferPointer<Double>,
                                    into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        let p = UnsafeBufferPointer(probabilities), w = UnsafeBufferPointer(residual)
        if !objective.hasFrozenParameters {
            return kernel.solveShiftedHessian(shift: gamma, probabilities: p, residual: w, right: r, into: out)
        }
        for j in 0..<parameterCount { fullIn[j] = 0 }
        for (k, j) in objective.freeIndices.enumerated() { fullIn[j] = r[k] }
        guard kernel.solveShiftedHessian(shift: gamma, probabilities: p, residual: w, right: UnsafeBufferPointer(fullIn),
                                         into: fullOut) else { return false }
        for (k, j) in objective.freeIndices.enumerated() { out[k] = fullOut[j] }
        return true
    }

    // MARK: Array conveniences (tests, one-off calls)

    public func evaluate(_ free: [Double]) {
        free.withUnsafeBufferPointer { evaluate($0) }
    }

    public var gradient: [Double] {
        var g = [Double](repeating: 0, count: dimension)
        g.withUnsafeMutableBufferPointer { gradient(into: $0) }
        return g
    }

    public func hessianVectorProduct(_ v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        v.withUnsafeBufferPointer { pv in out.withUnsafeMutableBufferPointer { hessianVectorProduct(pv, into: $0) } }
        return out
    }

    public var hessian: [Double] {
        var h = [Double](repeating: 0, count: dimension * dimension)
        h.withUnsafeMutableBufferPointer { hessian(into: $0) }
        return h
    }

    public func solveShiftedHessian(shift gamma: Double, right r: [Double]) -> [Double]? {
        var out = [Double](repeating: 0, count: dimension)
        let solved = r.withUnsafeBufferPointer { pr in
            out.withUnsafeMutableBufferPointer { solveShiftedHessian(shift: gamma, right: pr, into: $0) }
        }
        return solved ? out : nil
    }

    public var energyValues: [Double] { Array(energies) }
    public var probabilityValues: [Double] { Array(probabilities) }
}
