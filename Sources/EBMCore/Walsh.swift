#if canImport(Glibc)
import Glibc
#endif

/// States, spins and Walsh functions over `n` binary variables.
///
/// A state is an integer `x` in `0 ..< 2^n`; the spin of variable `i` is
/// `s_i(x) = 1 - 2 ((x >> i) & 1)` (bit 0 means +1). An interaction is a
/// subset `A` of the variables stored as a bitmask `a`; its Walsh function is
/// `χ_a(x) = Π_{i∈A} s_i(x) = (-1)^popcount(a & x)` and its order is `|A|`.
public enum Walsh {
    /// Largest number of spins whose 2^n states the code will enumerate.
    public static let maximumSpins = 30

    @inlinable
    public static func spin(_ i: Int, of x: Int) -> Double {
        ((x >> i) & 1) == 0 ? 1 : -1
    }

    @inlinable
    public static func character(_ a: Int, _ x: Int) -> Double {
        (a & x).nonzeroBitCount & 1 == 0 ? 1 : -1
    }

    @inlinable
    public static func order(_ a: Int) -> Int { a.nonzeroBitCount }

    /// `(H f)_a = Σ_x χ_a(x) f(x)`, in place, `n 2^n` additions. `H H = 2^n I`.
    /// - Precondition: `f.count` is a power of two.
    public static func transform(_ f: inout [Double]) {
        f.withUnsafeMutableBufferPointer { transform($0) }
    }

    public static func transform(_ f: UnsafeMutableBufferPointer<Double>) {
        let count = f.count
        precondition(count > 0 && count & (count - 1) == 0, "Walsh–Hadamard transform needs a power-of-two length")
        guard let p = f.baseAddress else { return }
        var h = 1
        while h < count {
            var i = 0
            while i < count {
                for j in i..<(i + h) {
                    let u = p[j], v = p[j + h]
                    p[j] = u + v
                    p[j + h] = u - v
                }
                i += 2 * h
            }
            h <<= 1
        }
    }

    /// The sites of interaction `a`, ascending.
    public static func sites(of a: Int) -> [Int] {
        var out: [Int] = []
        var m = a, i = 0
        while m != 0 {
            if m & 1 == 1 { out.append(i) }
            m >>= 1
            i += 1
        }
        return out
    }

    public static func mask(of sites: [Int]) -> Int {
        sites.reduce(0) { $0 | (1 << $1) }
    }

    /// The name of coupling `a` in outputs: `J{0,2,5}`.
    public static func couplingName(_ a: Int) -> String {
        "J{" + sites(of: a).map(String.init).joined(separator: ",") + "}"
    }

    /// The non-empty interactions whose order is in `orders`, in the
    /// project's canonical order: by order, then lexicographically by sites
    /// (`{0} {1} {2} {0,1} {0,2} {1,2} {0,1,2}`).
    public static func interactions(spins n: Int, orders: ClosedRange<Int>) -> [Int] {
        precondition(n >= 1 && n <= maximumSpins)
        var out: [Int] = []
        for k in orders where k >= 1 && k <= n {
            out.append(contentsOf: combinations(n, k))
        }
        return out
    }

    /// All non-empty interactions in canonical order (`2^n - 1` of them).
    public static func allInteractions(spins n: Int) -> [Int] {
        interactions(spins: n, orders: 1...n)
    }

    /// The entries `a ≠ 0` of a vector indexed by interaction mask (couplings,
    /// moments), reordered into canonical interaction order — the row order
    /// of the coupling Jacobian G and of every output file.
    public static func canonicalOrder(_ byMask: [Double]) -> [Double] {
        let count = byMask.count
        precondition(count > 1 && count & (count - 1) == 0, "expected a vector of length 2^n")
        return allInteractions(spins: count.trailingZeroBitCount).map { byMask[$0] }
    }

    /// k-subsets of 0..<n as masks, lexicographic by their sorted sites.
    static func combinations(_ n: Int, _ k: Int) -> [Int] {
        var out: [Int] = []
        var sites = Array(0..<k)
        while true {
            out.append(mask(of: sites))
            var i = k - 1
            while i >= 0 && sites[i] == n - k + i { i -= 1 }
            if i < 0 { break }
            sites[i] += 1
            for j in (i + 1)..<k { sites[j] = sites[j - 1] + 1 }
        }
        return out
    }
}
