import EBMCore
import EBMDistributed
import EBMSolvers
import Foundation

/// One rank's part of the full model's gradient flow, as the ODE system
/// `CVodeIntegrator` integrates: the state is this rank's entries of
/// `θ = (J_A)_{A ≠ ∅}` (the masks `a` of its block; rank 0 without
/// `a = 0`), and
///
///     f(θ) = m(q) - m(p_θ),   J v = -(H(p ⊙ H v) - m(p) Σ_x p(x) (H v)(x)),
///
/// both collective (distributed Walsh–Hadamard transforms and reductions
/// over every rank). Analytic J v (`JacobianVectorProductODESystem`); no
/// dense Jacobian, which `nvector_parallel` could not hold anyway.
final class DistributedFullModel: JacobianVectorProductODESystem {
    let layout: BlockLayout
    let session: MPISession
    let walsh: DistributedWalsh
    let target: TargetBlock
    /// Local entries: `B - 1` on rank 0 (no `a = 0`), else `B`.
    let localLength: Int
    /// 1 on rank 0 (the constant `a = 0` is not a parameter), else 0.
    let offset: Int
    /// `θ(0)` on this rank's entries.
    let initialState: [Double]

    // Work blocks of length B, and p, m(p) at the last J v setup.
    private var work: [Double]
    private var jacobianP: [Double]
    private var jacobianM: [Double]
    /// f(θ) on the local entries, for `gradientNorm`.
    private var gradient: [Double]

    init(layout: BlockLayout, session: MPISession, target: TargetSource, initial: InitialSource) throws {
        self.layout = layout
        self.session = session
        walsh = DistributedWalsh(layout: layout, session: session)
        self.target = try TargetBlock(target, walsh: walsh, session: session)
        offset = layout.rank == 0 ? 1 : 0
        localLength = layout.blockSize - offset
        initialState = Array(initial.block(layout)[offset...])
        work = [Double](repeating: 0, count: layout.blockSize)
        jacobianP = work
        jacobianM = work
        gradient = [Double](repeating: 0, count: localLength)
    }

    var dimension: Int { localLength }

    /// Copies the local entries `vector` into a block of length B (entry 0
    /// of rank 0, the constant, is 0).
    private func fill(_ block: inout [Double], from vector: UnsafeBufferPointer<Double>) {
        if offset == 1 { block[0] = 0 }
        for i in 0..<localLength { block[i + offset] = vector[i] }
    }

    /// `p_θ` on the block into `p` (log-sum-exp over ranks); returns the
    /// block of `log p_θ` through `logp` when asked.
    private func distribution(
        of theta: UnsafeBufferPointer<Double>, into p: inout [Double], logp: UnsafeMutablePointer<[Double]>? = nil
    ) throws {
        fill(&p, from: theta)
        try walsh.transform(&p)
        let largest = try session.maximum([p.max() ?? -.infinity])[0]
        var local = 0.0
        for i in 0..<p.count { let e = exp(p[i] - largest); local += e; p[i] = e }
        let z = try session.sum([local])[0]
        if let logp {
            let logZ = log(z)
            logp.pointee = p.map { log($0) - logZ }
        }
        for i in 0..<p.count { p[i] /= z }
    }

    /// `f = m(q) - m(p_θ)` (the block's masks).
    func evaluateRightHandSide(
        time: Double, state theta: UnsafeBufferPointer<Double>, derivative f: UnsafeMutableBufferPointer<Double>
    ) throws {
        try distribution(of: theta, into: &work)
        try walsh.transform(&work)
        for i in 0..<localLength { f[i] = target.moments[i + offset] - work[i + offset] }
    }

    /// Caches `p_θ` and `m(p_θ)` at `θ` for the products.
    func prepareJacobianVectorProducts(
        time: Double, state theta: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>
    ) throws {
        try distribution(of: theta, into: &jacobianP)
        jacobianM = jacobianP
        try walsh.transform(&jacobianM)
    }

    /// `J v = -(H(p ⊙ g) - m(p) Σ_x p g)`, `g = H v`.
    func evaluateJacobianVectorProduct(
        time: Double, state: UnsafeBufferPointer<Double>, rightHandSide: UnsafeBufferPointer<Double>,
        vector v: UnsafeBufferPointer<Double>, product out: UnsafeMutableBufferPointer<Double>
    ) throws {
        fill(&work, from: v)
        try walsh.transform(&work)
        var local = 0.0
        for i in 0..<work.count { work[i] *= jacobianP[i]; local += work[i] }
        let s = try session.sum([local])[0]
        try walsh.transform(&work)
        for i in 0..<localLength { out[i] = -(work[i + offset] - jacobianM[i + offset] * s) }
    }

    /// `|v|₂` over every rank's entries (collective): the local sum of
    /// squares in index order, then one `MPI_Allreduce`, as
    /// `N_VDotProd(v, v)` on `nvector_parallel` computes it.
    func globalNorm(_ v: UnsafeBufferPointer<Double>) throws -> Double {
        var local = 0.0
        for i in 0..<v.count { local += v[i] * v[i] }
        return try session.sum([local])[0].squareRoot()
    }

    /// `|f(θ)|` (collective).
    func gradientNorm(at theta: UnsafeBufferPointer<Double>) throws -> Double {
        try gradient.withUnsafeMutableBufferPointer { f in
            try evaluateRightHandSide(time: 0, state: theta, derivative: f)
        }
        return try gradient.withUnsafeBufferPointer { try globalNorm($0) }
    }

    /// The sample of `θ` (collective).
    func sample(_ theta: UnsafeBufferPointer<Double>, at time: Double) throws -> ParallelFullModelFlow.Sample {
        var logp = [Double]()
        try distribution(of: theta, into: &work, logp: &logp)
        var kl = 0.0
        for i in 0..<work.count { kl += target.probabilities[i] * (target.logProbabilities[i] - logp[i]) }
        try walsh.transform(&work)
        var sums = [Double](repeating: 0, count: layout.spins + 2)
        sums[0] = kl
        for i in 0..<localLength {
            let g = target.moments[i + offset] - work[i + offset]
            sums[1] += g * g
            let order = (layout.start + i + offset).nonzeroBitCount
            sums[1 + order] += theta[i] * theta[i]
        }
        let total = try session.sum(sums)
        return ParallelFullModelFlow.Sample(
            time: time, loss: total[0], gradientNorm: total[1].squareRoot(),
            orderNorms: total[2...].map { $0.squareRoot() })
    }
}
