import EBMCore

/// The smallest member of a model's family that is fully expressive on its
/// `n` spins (generic rank of `G` = `2^n - 1`, docs/design.md, Fixed points): the hidden size
/// `h` of an rbm (same units), the width of a one-hidden-layer mlp (same
/// activation) whatever the model's depth, the order `k` of an ising model.
///
/// Sizes whose parameters that can move `J` (all but the mlp's offset `c`)
/// number fewer than `2^n - 1` cannot reach full rank, so the search starts
/// at the smallest size with enough of them and goes upwards one size at a
/// time, each tested by `ExpressivityReport.generic` (the rank of `G` at one
/// random θ). It stops at the first full rank, after `candidateLimit` sizes,
/// or when `G` would exceed `ExpressivityReport.sizeLimit` entries; the
/// result says which.
public enum ExpressivitySearch {
    public static let candidateLimit = 8

    public struct Result: Sendable, Equatable {
        /// `rbm(h=·, units=spin)`, `mlp(layers=[·], activation=tanh)`, `ising(k)`.
        public let family: String
        /// `h`, `width` or `order`.
        public let sizeName: String
        /// The smallest fully expressive size, nil if none was found.
        public let smallest: Int?
        /// Sizes tested (empty if `G` was too large for the first).
        public let searched: [Int]
        /// Every size below this has too few parameters.
        public let countingBound: Int
        /// Why the search stopped without a result (`nil` when it found one).
        public let stopReason: String?

        /// One line for `ebmflow info`.
        public var summary: String {
            let range = searched.isEmpty ? "none tested"
                : "tested \(sizeName) = \(searched.first!)\(searched.count > 1 ? "...\(searched.last!)" : "")"
            let bound = countingBound > 1 ? "; \(sizeName) < \(countingBound) has too few parameters" : ""
            if let smallest {
                return "\(family.replacingOccurrences(of: "·", with: String(smallest))) (\(range)\(bound))"
            }
            return "not found (\(range)\(bound); \(stopReason ?? "search stopped"))"
        }
    }

    public static func smallestFullyExpressive(like model: any EnergyModel) -> Result? {
        let n = model.spins
        let full = model.stateCount - 1
        let family: String, sizeName: String
        let member: (Int) -> any EnergyModel
        /// Parameters of a member that can change `J` (all but the mlp's `c`).
        let active: (Int) -> Int
        switch model {
        case let rbm as RestrictedBoltzmannMachine:
            family = "rbm(h=·, units=\(rbm.units.rawValue))"
            sizeName = "h"
            member = { RestrictedBoltzmannMachine(spins: n, hidden: $0, units: rbm.units) }
            active = { n + $0 + n * $0 }
        case let mlp as MultilayerPerceptron:
            family = "mlp(layers=[·], activation=\(mlp.activation.rawValue))"
            sizeName = "width"
            member = { MultilayerPerceptron(spins: n, widths: [$0], activation: mlp.activation) }
            active = { (n + 2) * $0 }
        case is GeneralisedIsingModel:
            family = "ising(·)"
            sizeName = "order"
            member = { GeneralisedIsingModel(spins: n, order: $0) }
            active = { GeneralisedIsingModel(spins: n, order: $0).parameterCount }
        default:
            return nil
        }
        var bound = 1
        while active(bound) < full { bound += 1 }
        var searched: [Int] = []
        for size in bound..<(bound + candidateLimit) {
            if sizeName == "order" && size > n { break }
            let candidate = member(size)
            guard full * candidate.parameterCount <= ExpressivityReport.sizeLimit,
                  let report = ExpressivityReport.generic(candidate) else {
                return Result(family: family, sizeName: sizeName, smallest: nil, searched: searched, countingBound: bound,
                              stopReason: "G of \(sizeName) = \(size) would have more than \(ExpressivityReport.sizeLimit) entries")
            }
            searched.append(size)
            if report.fullyExpressive {
                return Result(family: family, sizeName: sizeName, smallest: size, searched: searched, countingBound: bound, stopReason: nil)
            }
        }
        return Result(family: family, sizeName: sizeName, smallest: nil, searched: searched, countingBound: bound,
                      stopReason: "search capped at \(candidateLimit) sizes")
    }
}
