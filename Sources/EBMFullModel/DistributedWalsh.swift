import EBMCore
import EBMDistributed

/// How a vector over the `2^n` states (or interaction masks) is split over
/// `R = 2^r` ranks: rank `k` holds the block of indices `k B ..< (k+1) B`,
/// `B = 2^(n-r)`. The low `n - r` bits of an index are local, the high `r`
/// bits name the rank.
public struct BlockLayout: Sendable, Equatable {
    public let spins: Int
    public let ranks: Int
    public let rank: Int

    public init(spins: Int, ranks: Int, rank: Int) throws {
        guard ranks >= 1, ranks & (ranks - 1) == 0 else {
            throw FullModelError("the distributed full model needs a power-of-two number of ranks (the Walsh–Hadamard transform splits by index bits), got \(ranks)")
        }
        guard ranks <= 1 << (spins - 1) else {
            throw FullModelError("\(ranks) ranks are too many for \(spins) spins: at most 2^(spins-1) = \(1 << (spins - 1))")
        }
        precondition(rank >= 0 && rank < ranks)
        self.spins = spins
        self.ranks = ranks
        self.rank = rank
    }

    /// `B = 2^n / R`.
    public var blockSize: Int { (1 << spins) / ranks }
    /// The first global index of this rank's block.
    public var start: Int { rank * blockSize }
    /// Number of index bits held locally.
    public var localBits: Int { spins - ranks.trailingZeroBitCount }
}

/// The unnormalised Walsh–Hadamard transform `(H f)_a = Σ_x χ_a(x) f(x)` of
/// a vector split in blocks over ranks: the butterflies over local bits run
/// on each block (`Walsh.transform`), then each of the `r` rank bits is one
/// stage in which partner ranks (rank XOR 2^s) exchange whole blocks
/// (`MPI_Sendrecv`): the lower keeps `mine + theirs`, the upper `theirs -
/// mine`. Collective: every rank calls it with its block.
///
/// Cost per rank: `(n - r) B` additions locally, `r` exchanges of `B`
/// doubles and `r B` additions. Memory: one extra block.
public final class DistributedWalsh {
    public let layout: BlockLayout
    let session: MPISession
    private var incoming: [Double]

    public init(layout: BlockLayout, session: MPISession) {
        self.layout = layout
        self.session = session
        incoming = [Double](repeating: 0, count: layout.ranks > 1 ? layout.blockSize : 0)
    }

    public func transform(_ block: UnsafeMutableBufferPointer<Double>) throws {
        precondition(block.count == layout.blockSize)
        Walsh.transform(block)
        var stage = 1
        while stage < layout.ranks {
            let partner = layout.rank ^ stage
            try incoming.withUnsafeMutableBufferPointer { theirs in
                try session.exchange(UnsafeBufferPointer(block), with: partner, into: theirs)
                if layout.rank & stage == 0 {
                    for i in 0..<block.count { block[i] += theirs[i] }
                } else {
                    for i in 0..<block.count { block[i] = theirs[i] - block[i] }
                }
            }
            stage <<= 1
        }
    }

    public func transform(_ block: inout [Double]) throws {
        try block.withUnsafeMutableBufferPointer { try transform($0) }
    }
}

/// A distributed full model that cannot be set up or run.
public struct FullModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
