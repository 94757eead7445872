extension GeneralisedIsingModel {
    public func makeKernel(parallelism: Parallelism) -> any EnergyKernel {
        GeneralisedIsingKernel(model: self, parallelism: parallelism)
    }
}

/// Fixed chunks of a loop over `count` items (states or parameters): a
/// size that depends on `count` only, and whether they may run in parallel.
struct Chunking {
    let count: Int
    let size: Int
    let chunks: Int
    let parallelism: Parallelism

    /// Chunks of `2^14` items; parallel from `2^16` items on.
    init(count: Int, parallelism: Parallelism) {
        self.count = count
        size = min(max(count, 1), 1 << 14)
        chunks = (count + size - 1) / size
        self.parallelism = count >= 1 << 16 ? parallelism : .serial
    }

    /// `body(range)` for each chunk's index range.
    @inline(__always)
    func forEach(_ body: (Range<Int>) -> Void) {
        parallelism.forEachChunk(chunks) { c in body((c * size)..<min(count, (c + 1) * size)) }
    }
}

/// The generalised Ising model's passes as Walsh–Hadamard transforms on
/// buffers it owns: energies `E = -H θ̂` (θ placed at its interactions),
/// pullback `-(H w)_A`, Hessian-vector product `-(H [p (u - E_p u)])_A` with
/// `u = -H v̂`: two transforms. The dense Hessian and its diagonal come
/// from the moments `m = H p`: `∇²L_{AB} = m_{A⊕B} - m_A m_B` (the Fisher
/// information of the effective model; no curvature term, E is linear in θ).
final class GeneralisedIsingKernel: EnergyKernel {
    let interactions: [Int]
    let stateCount: Int
    let parameterCount: Int
    let parallelism: Parallelism
    let states: Chunking
    let parameters: Chunking
    /// Every non-empty interaction is a parameter (`k = n`).
    let isFull: Bool
    let scratch: UnsafeMutablePointer<Double>
    let partials: UnsafeMutablePointer<Double>

    init(model: GeneralisedIsingModel, parallelism: Parallelism) {
        interactions = model.interactions
        stateCount = model.stateCount
        parameterCount = model.parameterCount
        self.parallelism = parallelism
        states = Chunking(count: stateCount, parallelism: parallelism)
        parameters = Chunking(count: parameterCount, parallelism: parallelism)
        isFull = parameterCount == stateCount - 1
        scratch = .allocate(capacity: stateCount)
        scratch.initialize(repeating: 0, count: stateCount)
        partials = .allocate(capacity: states.chunks)
        partials.initialize(repeating: 0, count: states.chunks)
    }

    deinit {
        scratch.deallocate()
        partials.deallocate()
    }

    /// `f = -v̂`: zero, then `-v_j` at interaction `j`.
    private func embedNegated(_ v: UnsafePointer<Double>, into f: UnsafeMutablePointer<Double>) {
        if isFull {
            f[0] = 0
        } else {
            states.forEach { range in (f + range.lowerBound).update(repeating: 0, count: range.count) }
        }
        interactions.withUnsafeBufferPointer { a in
            parameters.forEach { range in for j in range { f[a[j]] = -v[j] } }
        }
    }

    /// `out_j = -f[a_j]`.
    private func gatherNegated(_ f: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        interactions.withUnsafeBufferPointer { a in
            parameters.forEach { range in for j in range { out[j] = -f[a[j]] } }
        }
    }

    func evaluate(_ theta: UnsafeBufferPointer<Double>, energies: UnsafeMutableBufferPointer<Double>) {
        embedNegated(theta.baseAddress!, into: energies.baseAddress!)
        Walsh.transform(energies, parallelism: parallelism)
    }

    func pullback(_ weights: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let w = weights.baseAddress!
        states.forEach { range in (scratch + range.lowerBound).update(from: w + range.lowerBound, count: range.count) }
        Walsh.transform(UnsafeMutableBufferPointer(start: scratch, count: stateCount), parallelism: parallelism)
        gatherNegated(scratch, into: out.baseAddress!)
    }

    func pushforward(_ direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        embedNegated(direction.baseAddress!, into: out.baseAddress!)
        Walsh.transform(out, parallelism: parallelism)
    }

    func addCurvatureProduct(weights: UnsafeBufferPointer<Double>, direction: UnsafeBufferPointer<Double>,
                             into out: UnsafeMutableBufferPointer<Double>) {}

    func hessianVectorProduct(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                              direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let f = UnsafeMutableBufferPointer(start: scratch, count: stateCount)
        pushforward(direction, into: f)
        let p = probabilities.baseAddress!, u = scratch
        states.forEach { range in
            var sum = 0.0
            for x in range { sum += p[x] * u[x] }
            partials[range.lowerBound / states.size] = sum
        }
        var mean = 0.0
        for c in 0..<states.chunks { mean += partials[c] }
        states.forEach { range in for x in range { u[x] = p[x] * (u[x] - mean) } }
        Walsh.transform(f, parallelism: parallelism)
        gatherNegated(scratch, into: out.baseAddress!)
    }

    /// `m = H p` into `scratch`.
    private func moments(_ probabilities: UnsafeBufferPointer<Double>) {
        let p = probabilities.baseAddress!
        states.forEach { range in (scratch + range.lowerBound).update(from: p + range.lowerBound, count: range.count) }
        Walsh.transform(UnsafeMutableBufferPointer(start: scratch, count: stateCount), parallelism: parallelism)
    }

    func hessian(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                 into out: UnsafeMutableBufferPointer<Double>) {
        moments(probabilities)
        let m = scratch, count = parameterCount
        for (k, b) in interactions.enumerated() {
            for (j, a) in interactions.enumerated() { out[j + k * count] = m[a ^ b] - m[a] * m[b] }
        }
    }

    func hessianDiagonal(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                         into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        moments(probabilities)
        let m = scratch, m0 = scratch[0]
        interactions.withUnsafeBufferPointer { a in
            parameters.forEach { range in for j in range { out[j] = m0 - m[a[j]] * m[a[j]] } }
        }
        return true
    }
}
