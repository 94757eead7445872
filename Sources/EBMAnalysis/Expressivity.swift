import EBMCore
import EBMLinearAlgebra

/// A model's expressivity on its `n` spins: the rank of the coupling
/// Jacobian `G = ∂J/∂θ` at a random θ (its generic rank), against
/// `2^n - 1`, the rank at which every distribution is reachable.
public struct Expressivity: Codable, Sendable, Equatable {
    /// Generic rank of G at a random θ.
    public var rankG: Int
    /// `2^n - 1`: the rank of full expressivity.
    public var fullRank: Int
    public var fullyExpressive: Bool

    enum CodingKeys: String, CodingKey {
        case rankG = "rank_G", fullRank = "full_rank", fullyExpressive = "fully_expressive"
    }
}

/// The model's expressivity: the generic rank of its coupling Jacobian.
public enum ExpressivityReport {
    /// Skip the SVD when G has more entries than this.
    public static let sizeLimit = 4_000_000

    public static func generic(_ model: any EnergyModel, seed: UInt64 = 12345) -> Expressivity? {
        let full = model.stateCount - 1
        guard full * model.parameterCount <= sizeLimit else { return nil }
        let theta = (try? Initialization.normal(scale: 0.5, seed: seed).parameters(for: model)) ?? []
        guard let rank = try? LAPACK.rank(model.couplingJacobian(theta), relativeTolerance: 1e-10) else { return nil }
        return Expressivity(rankG: rank, fullRank: full, fullyExpressive: rank == full)
    }
}
