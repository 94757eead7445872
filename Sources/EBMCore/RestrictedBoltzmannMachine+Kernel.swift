#if canImport(Glibc)
import Glibc
#endif
import EBMLinearAlgebra

extension RestrictedBoltzmannMachine {
    public func makeKernel(parallelism: Parallelism) -> any EnergyKernel {
        RestrictedBoltzmannMachineKernel(model: self, parallelism: parallelism)
    }
}

/// The RBM's all-states passes without allocation or BLAS calls.
///
/// With the augmented features `F̂ = [F 1]` (`2^n × (n+1)`) and the
/// augmented weights `Ŵ` (`(n+1) × (h+1)`: column 0 is `(a, 0)`, column
/// `μ+1` is `(W_μ·, b_μ)`), the product `Û = F̂ Ŵ` holds `F a` and every
/// `u_μ = b_μ + W_μ·f`. Each feature depends on one bit of the state,
/// `f_i(x) = f_i(0) + bit_i(x) δ_i` (`δ_i = -2` for spins, 1 for binary
/// units), so within a chunk of `2^m` aligned states the product is a
/// recursion over the bits, one vector add per state and column:
///
///     Û(x0 + 2^i + y) = Û(x0 + y) + δ_i Ŵ_i·,   0 ≤ y < 2^i < 2^m,
///
/// from one dot product at `x0`; and a pullback `F̂ᵀ N` needs, per column,
/// only `Σ_x N` and the sums `S_i = Σ_{bit_i(x) = 1} N` for `i < m`,
/// found by folding the chunk in halves (the upper half's sum is `S_i`,
/// then the upper half is added onto the lower): `2 · 2^m` adds instead
/// of `(n+1) 2^m` multiply-adds. Then, per state and unit, one exponential
/// `t = e^{-2|u|}` (spin) or `e^{-|u|}` (binary) gives
///
///     log 2cosh u = |u| + log(1 + t),   tanh u = sign(u) (1 - t)/(1 + t),
///     softplus u = max(u, 0) + log(1 + t),   σ(u) = 1/(1 + t) or t/(1 + t),
///
/// and the `log(1 + t)` of all units are taken as one `log Π_μ (1 + t_μ)`
/// per state (the product is at most `2^h`; folded every 256 units). A
/// pullback `Σ_x w ∂E/∂θ` is one product `F̂ᵀ N` with `N = [w, φ'_μ w]`; a
/// Hessian-vector product is `Ẑ = F̂ V̂` (the change of every `u_μ`), a
/// centring pass and one product `F̂ᵀ N` with `N = [c, φ'_μ c + w φ''_μ Z_μ]`.
///
/// States are processed in chunks of a size fixed by `(n, h)`; chunks run
/// on up to `parallelism.threads` threads and partial sums are added in
/// chunk order, so results do not depend on the thread count.
final class RestrictedBoltzmannMachineKernel: EnergyKernel {
    let model: RestrictedBoltzmannMachine
    let spins: Int, hidden: Int, stateCount: Int, parameterCount: Int
    /// States per chunk (a power of two) and the number of chunks.
    let chunk: Int, chunks: Int
    let parallelism: Parallelism
    let isSpin: Bool

    /// `F̂`, `2^n × (n+1)` column-major.
    let features: UnsafeMutablePointer<Double>
    /// `Ŵ` or `V̂`, `(n+1) × (h+1)`.
    let weights: UnsafeMutablePointer<Double>
    /// θ of the last evaluation.
    let theta: UnsafeMutablePointer<Double>
    /// `φ'(u_μ)` in columns `1...h` (column 0 holds `F a` after evaluate), `2^n × (h+1)`.
    let slope: UnsafeMutablePointer<Double>
    /// `N` and `Ẑ`, `2^n × (h+1)`.
    let scratch: UnsafeMutablePointer<Double>
    /// Per state: `Π(1 + t)` during evaluate, `∂E·v` during a product.
    let perState: UnsafeMutablePointer<Double>
    /// Per chunk: `F̂ᵀ N` (`(n+1) × (h+1)`) and one more number.
    let partials: UnsafeMutablePointer<Double>
    var partialStride: Int { (spins + 1) * (hidden + 1) + 1 }

    /// Work (multiply-adds of one product) above which chunks run in parallel.
    static let parallelWork = 1 << 19
    /// m = log2(chunk): the bits a chunk's states run over.
    let chunkBits: Int
    /// `δ_i = f_i(2^i) - f_i(0)`, the change of feature i when bit i is set.
    let featureStep: UnsafeMutablePointer<Double>

    init(model: RestrictedBoltzmannMachine, parallelism: Parallelism) {
        self.model = model
        let n = model.spins, h = model.hidden, states = model.stateCount
        spins = n
        hidden = h
        stateCount = states
        parameterCount = model.parameterCount
        isSpin = model.units == .spin
        var c = 1
        while c * 2 <= states && c * 2 * (n + 1) * (h + 1) <= 1 << 18 { c *= 2 }
        chunk = max(min(64, states), c)
        chunks = states / chunk
        self.parallelism = states * (n + 1) * (h + 1) >= Self.parallelWork ? parallelism : .serial
        chunkBits = chunk.trailingZeroBitCount
        func zeroed(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        features = zeroed(states * (n + 1))
        weights = zeroed((n + 1) * (h + 1))
        theta = zeroed(model.parameterCount)
        slope = zeroed(states * (h + 1))
        scratch = zeroed(states * (h + 1))
        perState = zeroed(states)
        partials = zeroed(chunks * ((n + 1) * (h + 1) + 1))
        let f = model.features
        let step = zeroed(n)
        for i in 0..<n {
            step[i] = f[1 << i, i] - f[0, i]
            // The recursion needs features that depend on their own bit only.
            precondition((0..<states).allSatisfy { x in f[x, i] == f[0, i] + Double((x >> i) & 1) * step[i] },
                         "RBM feature \(i) is not a function of bit \(i) of the state")
        }
        featureStep = step
        model.features.elements.withUnsafeBufferPointer { f in
            features.update(from: f.baseAddress!, count: states * n)
        }
        for x in 0..<states { features[x + n * states] = 1 }
    }

    deinit {
        for p in [features, weights, theta, slope, scratch, perState, partials, featureStep] { p.deallocate() }
    }

    var biasOffset: Int { spins }
    var weightOffset: Int { spins + hidden }

    /// Writes `[(v_a, 0), (v_Wμ·, v_bμ)...]` into `weights`.
    private func augment(_ v: UnsafePointer<Double>) {
        let n = spins
        for i in 0..<n { weights[i] = v[i] }
        weights[n] = 0
        for mu in 0..<hidden {
            let column = weights + (mu + 1) * (n + 1)
            for i in 0..<n { column[i] = v[weightOffset + mu * n + i] }
            column[n] = v[biasOffset + mu]
        }
    }

    /// `out[x0..<x0+chunk, 0...h] = F̂ M` for the chunk starting at `x0`
    /// (`M = weights`), by the recursion over the chunk's bits.
    @inline(__always)
    private func forward(_ x0: Int, into out: UnsafeMutablePointer<Double>) {
        let n = spins, k = n + 1, states = stateCount
        for column in 0...hidden {
            let o = out + x0 + column * states, w = weights + column * k
            var first = w[n]
            for i in 0..<n { first += w[i] * features[x0 + i * states] }
            o[0] = first
            for i in 0..<chunkBits {
                let half = 1 << i, step = w[i] * featureStep[i]
                let upper = o + half
                for y in 0..<half { upper[y] = o[y] + step }
            }
        }
    }

    /// `partials[c] = F̂ᵀ N` over the chunk `c` (`N` in `scratch`, which the
    /// folding overwrites).
    @inline(__always)
    private func backward(_ c: Int) {
        let x0 = c * chunk, n = spins, k = n + 1, states = stateCount
        let out = partials + c * partialStride
        for column in 0...hidden {
            let values = scratch + x0 + column * states, sums = out + column * k
            var length = chunk
            for i in stride(from: chunkBits - 1, through: 0, by: -1) {
                let half = length / 2, upper = values + half
                // Four accumulators: independent chains the compiler can vectorise.
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var y = 0
                while y + 4 <= half {
                    s0 += upper[y]; s1 += upper[y + 1]; s2 += upper[y + 2]; s3 += upper[y + 3]
                    y += 4
                }
                while y < half { s0 += upper[y]; y += 1 }
                sums[i] = (s0 + s1) + (s2 + s3)
                for y in 0..<half { values[y] += upper[y] }
                length = half
            }
            let total = values[0]
            for i in 0..<n {
                let atChunkStart = features[x0 + i * states]
                sums[i] = i < chunkBits ? atChunkStart * total + featureStep[i] * sums[i] : atChunkStart * total
            }
            sums[n] = total
        }
    }

    /// `out = -Σ_chunks F̂ᵀ N` in parameter order: a from column 0, `W_μ·`
    /// and `b_μ` from column `μ+1`.
    private func gatherPullback(into out: UnsafeMutablePointer<Double>) {
        let n = spins, stride = n + 1
        let count = stride * (hidden + 1)
        let total = weights  // reused as the sum; callers re-augment before the next forward pass
        for k in 0..<count { total[k] = 0 }
        for c in 0..<chunks {
            let part = partials + c * partialStride
            for k in 0..<count { total[k] += part[k] }
        }
        for i in 0..<n { out[i] = -total[i] }
        for mu in 0..<hidden {
            let column = total + (mu + 1) * stride
            for i in 0..<n { out[weightOffset + mu * n + i] = -column[i] }
            out[biasOffset + mu] = -column[n]
        }
    }

    func evaluate(_ theta: UnsafeBufferPointer<Double>, energies: UnsafeMutableBufferPointer<Double>) {
        self.theta.update(from: theta.baseAddress!, count: parameterCount)
        augment(theta.baseAddress!)
        let e = energies.baseAddress!
        let states = stateCount, h = hidden, spin = isSpin
        parallelism.forEachChunk(chunks) { c in
            let x0 = c * chunk
            forward(x0, into: slope)
            let energy = e + x0, product = perState + x0, fa = slope + x0
            for x in 0..<chunk {
                energy[x] = -fa[x]
                product[x] = 1
            }
            for mu in 0..<h {
                let column = slope + x0 + (mu + 1) * states
                if spin {
                    for x in 0..<chunk {
                        let u = column[x], au = abs(u)
                        let t = VectorMath.exp(-2 * au)
                        energy[x] -= au
                        product[x] *= 1 + t
                        let th = (1 - t) / (1 + t)
                        column[x] = u < 0 ? -th : th
                    }
                } else {
                    for x in 0..<chunk {
                        let u = column[x]
                        let t = VectorMath.exp(-abs(u))
                        energy[x] -= u > 0 ? u : 0
                        product[x] *= 1 + t
                        column[x] = (u >= 0 ? 1 : t) / (1 + t)
                    }
                }
                if mu % 256 == 255 || mu == h - 1 {
                    for x in 0..<chunk {
                        energy[x] -= VectorMath.log(product[x])
                        product[x] = 1
                    }
                }
            }
        }
    }

    func pullback(_ w: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let weightsIn = w.baseAddress!
        let states = stateCount, h = hidden
        parallelism.forEachChunk(chunks) { c in
            let x0 = c * chunk
            let wc = weightsIn + x0
            let n0 = scratch + x0
            for x in 0..<chunk { n0[x] = wc[x] }
            for mu in 0..<h {
                let column = slope + x0 + (mu + 1) * states, dst = scratch + x0 + (mu + 1) * states
                for x in 0..<chunk { dst[x] = column[x] * wc[x] }
            }
            backward(c)
        }
        gatherPullback(into: out.baseAddress!)
    }

    /// `perState[x] = ∂E(x)/∂θ · v` and `Ẑ = F̂ V̂` in `scratch` over chunk
    /// `c` (`V̂` already in `weights`).
    private func directionalPass(_ c: Int) {
        let x0 = c * chunk, states = stateCount
        forward(x0, into: scratch)
        let u = perState + x0, fa = scratch + x0
        for x in 0..<chunk { u[x] = -fa[x] }
        for mu in 0..<hidden {
            let t = slope + x0 + (mu + 1) * states, z = scratch + x0 + (mu + 1) * states
            for x in 0..<chunk { u[x] -= t[x] * z[x] }
        }
    }

    func pushforward(_ direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        augment(direction.baseAddress!)
        parallelism.forEachChunk(chunks) { c in directionalPass(c) }
        out.baseAddress!.update(from: perState, count: stateCount)
    }

    /// `φ''` from `φ'`: `1 - tanh²` (spin) or `σ(1 - σ)` (binary).
    @inline(__always)
    private func curvature(_ slope: Double) -> Double {
        isSpin ? 1 - slope * slope : slope * (1 - slope)
    }

    func addCurvatureProduct(weights w: UnsafeBufferPointer<Double>, direction: UnsafeBufferPointer<Double>,
                             into out: UnsafeMutableBufferPointer<Double>) {
        augment(direction.baseAddress!)
        let states = stateCount, h = hidden, spin = isSpin
        parallelism.forEachChunk(chunks) { c in
            let x0 = c * chunk
            forward(x0, into: scratch)
            let wc = w.baseAddress! + x0
            for x in 0..<chunk { scratch[x0 + x] = 0 }
            for mu in 0..<h {
                let t = slope + x0 + (mu + 1) * states, z = scratch + x0 + (mu + 1) * states
                for x in 0..<chunk {
                    let s = t[x]
                    z[x] *= wc[x] * (spin ? 1 - s * s : s * (1 - s))
                }
            }
            backward(c)
        }
        let curvatureOut = UnsafeMutablePointer<Double>.allocate(capacity: parameterCount)
        defer { curvatureOut.deallocate() }
        gatherPullback(into: curvatureOut)
        // gatherPullback negates: ∂²E = -φ'' f̂ f̂ᵀ, so the sign is already right.
        for j in 0..<parameterCount { out[j] += curvatureOut[j] }
    }

    /// Fused: `Ẑ`, `u = ∂E·v` and `Σ p u` per chunk; then
    /// `c = p (u - E_p u)` and `N = [c, φ'_μ c + w φ''_μ Z_μ]`, one `F̂ᵀ N`.
    func hessianVectorProduct(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                              direction: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        augment(direction.baseAddress!)
        let p = probabilities.baseAddress!, w = residual.baseAddress!
        let states = stateCount, h = hidden, spin = isSpin, stride = partialStride
        parallelism.forEachChunk(chunks) { c in
            directionalPass(c)
            let x0 = c * chunk
            var mean = 0.0
            for x in x0..<(x0 + chunk) { mean += p[x] * perState[x] }
            partials[c * stride + stride - 1] = mean
        }
        var mean = 0.0
        for c in 0..<chunks { mean += partials[c * stride + stride - 1] }
        parallelism.forEachChunk(chunks) { c in
            let x0 = c * chunk
            let n0 = scratch + x0, u = perState + x0, pc = p + x0, wc = w + x0
            for x in 0..<chunk { n0[x] = pc[x] * (u[x] - mean) }
            for mu in 0..<h {
                let t = slope + x0 + (mu + 1) * states, z = scratch + x0 + (mu + 1) * states
                for x in 0..<chunk {
                    let s = t[x]
                    z[x] = s * n0[x] + wc[x] * (spin ? 1 - s * s : s * (1 - s)) * z[x]
                }
            }
            backward(c)
        }
        gatherPullback(into: out.baseAddress!)
    }

    /// `Σ_x p ∂E ∂Eᵀ` by `dsyrk` on chunks of `√p ∂E` (upper triangle;
    /// a fixed number of groups of chunks accumulate in parallel, added in
    /// order), minus `(Σ p ∂E)(Σ p ∂E)ᵀ`, plus the block-diagonal curvature
    /// `-Σ_x w φ''_μ f̂ f̂ᵀ` on each unit's `(W_μ·, b_μ)`.
    func hessian(probabilities: UnsafeBufferPointer<Double>, residual: UnsafeBufferPointer<Double>,
                 into out: UnsafeMutableBufferPointer<Double>) {
        let n = spins, h = hidden, states = stateCount, count = parameterCount
        let p = probabilities.baseAddress!, w = residual.baseAddress!
        var rows = 1
        while rows * 2 <= states && rows * 2 * count <= 1 << 17 { rows *= 2 }
        rows = max(rows, min(64, states))
        let blocks = states / rows
        let groups = count <= 1024 ? min(8, blocks) : 1
        let perGroup = blocks / groups
        let blockSize = (n + 1) * (n + 1)
        let groupStride = count * count + h * blockSize
        let gram = UnsafeMutablePointer<Double>.allocate(capacity: groups * groupStride)
        let design = UnsafeMutablePointer<Double>.allocate(capacity: groups * rows * count)
        let scaled = UnsafeMutablePointer<Double>.allocate(capacity: groups * rows * (n + 1))
        defer { gram.deallocate(); design.deallocate(); scaled.deallocate() }
        gram.initialize(repeating: 0, count: groups * groupStride)
        let spin = isSpin
        let threads = states * count >= Self.parallelWork ? parallelism : .serial
        threads.forEachChunk(groups) { g in
            let d = design + g * rows * count, sc = scaled + g * rows * (n + 1)
            let partial = gram + g * groupStride, curvatureBlocks = partial + count * count
            for block in (g * perGroup)..<((g + 1) * perGroup) {
                let x0 = block * rows
                for x in 0..<rows {
                    let root = p[x0 + x].squareRoot()
                    for i in 0..<n { d[x + i * rows] = -root * features[x0 + x + i * states] }
                }
                for mu in 0..<h {
                    let t = slope + x0 + (mu + 1) * states
                    let b = d + (biasOffset + mu) * rows
                    for x in 0..<rows { b[x] = -p[x0 + x].squareRoot() * t[x] }
                    for i in 0..<n {
                        let column = d + (weightOffset + mu * n + i) * rows, f = features + x0 + i * states
                        for x in 0..<rows { column[x] = b[x] * f[x] }
                    }
                }
                BLAS.syrkUpperTransposed(n: count, k: rows, alpha: 1, a: d, lda: rows, beta: 1, c: partial, ldc: count)
                for mu in 0..<h {
                    let t = slope + x0 + (mu + 1) * states
                    for r in 0...n {
                        let f = features + x0 + r * states, column = sc + r * rows
                        for x in 0..<rows {
                            let s = t[x]
                            column[x] = w[x0 + x] * (spin ? 1 - s * s : s * (1 - s)) * f[x]
                        }
                    }
                    BLAS.gemm(transposeA: true, transposeB: false, m: n + 1, n: n + 1, k: rows, alpha: 1,
                              a: features + x0, lda: states, b: sc, ldb: rows,
                              beta: 1, c: curvatureBlocks + mu * blockSize, ldc: n + 1)
                }
            }
        }
        let result = out.baseAddress!
        for k in 0..<(count * count) { result[k] = 0 }
        for g in 0..<groups {
            let partial = gram + g * groupStride
            for column in 0..<count {
                for row in 0...column { result[row + column * count] += partial[row + column * count] }
            }
        }
        for column in 0..<count {
            for row in 0..<column { result[column + row * count] = result[row + column * count] }
        }
        let mean = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { mean.deallocate() }
        pullback(probabilities, into: UnsafeMutableBufferPointer(start: mean, count: count))
        for column in 0..<count {
            for row in 0..<count { result[row + column * count] -= mean[row] * mean[column] }
        }
        for mu in 0..<h {
            func index(_ r: Int) -> Int { r < n ? weightOffset + mu * n + r : biasOffset + mu }
            for c in 0...n {
                for r in 0...n {
                    var sum = 0.0
                    for g in 0..<groups {
                        let block = gram + g * groupStride + count * count + mu * blockSize
                        sum += 0.5 * (block[r + c * (n + 1)] + block[c + r * (n + 1)])
                    }
                    result[index(r) + index(c) * count] -= sum
                }
            }
        }
    }
}
