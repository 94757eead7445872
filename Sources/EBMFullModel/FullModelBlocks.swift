import EBMCore
import EBMDistributed
import Foundation

/// The target in a form each rank turns into its own block, so that no
/// rank holds a vector of all `2^n` states (except `.whole`).
public enum TargetSource: Sendable {
    /// `q ∝ exp(Σ J*_A χ_A)` from a few couplings (`ising`, `parity`),
    /// `beta` already applied.
    case couplings([(mask: Int, value: Double)])
    /// `J*_A ~ Normal(0, scale_k²)` drawn in canonical interaction order
    /// from `seed` (as `Target.random`), times `beta`; every rank draws all
    /// of them and keeps its block.
    case random(seed: UInt64, orders: [Int], scales: [Double], beta: Double)
    /// Any other target: built whole on every rank, then sliced.
    case whole(Target)
}

/// `θ(0)` in a form each rank turns into its block (canonical parameter
/// order: by order, then sites, as `Initialization` draws).
public enum InitialSource: Sendable {
    case normal(scale: Double, seed: UInt64)
    case uniform(scale: Double, seed: UInt64)
    case zeros
    /// Values by interaction mask; the others zero.
    case values([Int: Double])
}

/// One rank's block of the target: `q(x)`, `log q(x)` for the states `x` of
/// the block, and the moments `m_a(q)` for the masks `a` of the block.
public struct TargetBlock {
    public let probabilities: [Double]
    public let logProbabilities: [Double]
    public let moments: [Double]

    public init(_ source: TargetSource, walsh: DistributedWalsh, session: MPISession) throws {
        let layout = walsh.layout
        let range = layout.start..<(layout.start + layout.blockSize)
        var logw: [Double]
        switch source {
        case let .whole(target):
            guard target.spins == layout.spins else { throw FullModelError("the target has \(target.spins) spins, the model \(layout.spins)") }
            logw = Array(target.logProbabilities[range])
        case let .couplings(list):
            logw = [Double](repeating: 0, count: layout.blockSize)
            for (mask, value) in list where range.contains(mask) { logw[mask - layout.start] += value }
            try walsh.transform(&logw)
        case let .random(seed, orders, scales, beta):
            guard orders.count == scales.count else { throw FullModelError("need one scale per order") }
            logw = [Double](repeating: 0, count: layout.blockSize)
            var generator = SeededGenerator(seed: seed)
            let scaleOfOrder = Dictionary(uniqueKeysWithValues: zip(orders, scales))
            for k in 1...layout.spins {
                guard let scale = scaleOfOrder[k] else { continue }
                for a in Walsh.interactions(spins: layout.spins, orders: k...k) {
                    let value = scale * generator.nextNormal()
                    if range.contains(a) { logw[a - layout.start] += beta * value }
                }
            }
            try walsh.transform(&logw)
        }
        // q = exp(log w - max) / Z over all ranks.
        let largest = try session.maximum([logw.max() ?? -.infinity])[0]
        var q = logw.map { exp($0 - largest) }
        let z = try session.sum([q.reduce(0, +)])[0]
        q = q.map { $0 / z }
        let logZ = largest + log(z)
        logProbabilities = logw.map { $0 - logZ }
        probabilities = q
        var m = q
        try walsh.transform(&m)
        moments = m
    }
}

extension InitialSource {
    /// `θ_a` for the masks `a` of the block (entry 0 of rank 0, the
    /// constant, is 0 and not a parameter).
    func block(_ layout: BlockLayout) -> [Double] {
        let range = layout.start..<(layout.start + layout.blockSize)
        var theta = [Double](repeating: 0, count: layout.blockSize)
        switch self {
        case .zeros: break
        case let .values(values):
            for (mask, value) in values where mask > 0 && range.contains(mask) { theta[mask - layout.start] = value }
        case let .normal(scale, seed), let .uniform(scale, seed):
            var generator = SeededGenerator(seed: seed)
            let normal: Bool
            if case .normal = self { normal = true } else { normal = false }
            for k in 1...layout.spins {
                for a in Walsh.interactions(spins: layout.spins, orders: k...k) {
                    let value = normal ? scale * generator.nextNormal() : scale * (2 * generator.nextUniform() - 1)
                    if range.contains(a) { theta[a - layout.start] = value }
                }
            }
        }
        return theta
    }
}
