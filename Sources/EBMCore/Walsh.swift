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
    public static func transform(_ f: inout [Double], parallelism: Parallelism = .serial) {
        f.withUnsafeMutableBufferPointer { transform($0, parallelism: parallelism) }
    }

    /// Levels of the transform done inside one cache-resident block
    /// (2^15 doubles, 256 KiB) before the levels that cross blocks.
    static let blockLevels = 15
    /// Below this length the transform runs on one thread.
    static let parallelLength = 1 << 16

    /// The in-place transform, cache-blocked: levels `h < 2^15` run block by
    /// block (three at a time in registers, then two per pass), the higher
    /// levels two per pass over the array. Every element sees the same
    /// additions in the same order as in the textbook level-by-level
    /// butterflies, so the result is bit-identical to it whatever the
    /// blocking and the number of threads.
    public static func transform(_ f: UnsafeMutableBufferPointer<Double>, parallelism: Parallelism = .serial) {
        let count = f.count
        precondition(count > 0 && count & (count - 1) == 0, "Walsh–Hadamard transform needs a power-of-two length")
        guard let p = f.baseAddress, count > 1 else { return }
        let threads = count >= parallelLength ? parallelism : .serial
        let block = min(count, 1 << blockLevels)
        threads.forEachChunk(count / block) { b in
            transformBlock(p + b * block, count: block)
        }
        // Levels h = block, 2 block, ...: two per pass where possible.
        var h = block
        while h < count {
            // A pass covers `radix` levels: units of `radix` elements `h` apart,
            // `span` consecutive units (one per thread task) at a time.
            let radix = 4 * h <= count ? 4 : 2
            let units = count / radix, span = min(h, 1 << 13)
            let hh = h
            threads.forEachChunk(units / span) { c in
                let u0 = c * span
                let j0 = (u0 / hh) * radix * hh + u0 % hh
                if radix == 4 { radix4(p + j0, h: hh, length: span) } else { radix2(p + j0, h: hh, length: span) }
            }
            h *= radix
        }
    }

    /// The levels `h < count` of one block of length `count`.
    @inline(__always)
    static func transformBlock(_ p: UnsafeMutablePointer<Double>, count: Int) {
        var h = 1
        if count >= 8 {
            var i = 0
            while i < count {
                let x0 = p[i], x1 = p[i + 1], x2 = p[i + 2], x3 = p[i + 3]
                let x4 = p[i + 4], x5 = p[i + 5], x6 = p[i + 6], x7 = p[i + 7]
                let a0 = x0 + x1, a1 = x0 - x1, a2 = x2 + x3, a3 = x2 - x3
                let a4 = x4 + x5, a5 = x4 - x5, a6 = x6 + x7, a7 = x6 - x7
                let b0 = a0 + a2, b2 = a0 - a2, b1 = a1 + a3, b3 = a1 - a3
                let b4 = a4 + a6, b6 = a4 - a6, b5 = a5 + a7, b7 = a5 - a7
                p[i] = b0 + b4; p[i + 4] = b0 - b4
                p[i + 1] = b1 + b5; p[i + 5] = b1 - b5
                p[i + 2] = b2 + b6; p[i + 6] = b2 - b6
                p[i + 3] = b3 + b7; p[i + 7] = b3 - b7
                i += 8
            }
            h = 8
        }
        while h < count {
            if 4 * h <= count {
                var i = 0
                while i < count { radix4(p + i, h: h, length: h); i += 4 * h }
                h *= 4
            } else {
                var i = 0
                while i < count { radix2(p + i, h: h, length: h); i += 2 * h }
                h *= 2
            }
        }
    }

    /// Levels h and 2h on `(j, j+h, j+2h, j+3h)` for `j` in `p ..< p + length`.
    @inline(__always)
    static func radix4(_ p: UnsafeMutablePointer<Double>, h: Int, length: Int) {
        let q = p + h, r = p + 2 * h, s = p + 3 * h
        for j in 0..<length {
            let a0 = p[j] + q[j], a1 = p[j] - q[j], a2 = r[j] + s[j], a3 = r[j] - s[j]
            p[j] = a0 + a2; r[j] = a0 - a2
            q[j] = a1 + a3; s[j] = a1 - a3
        }
    }

    /// Level h on `(j, j+h)` for `j` in `p ..< p + length`.
    @inline(__always)
    static func radix2(_ p: UnsafeMutablePointer<Double>, h: Int, length: Int) {
        let q = p + h
        for j in 0..<length {
            let u = p[j], v = q[j]
            p[j] = u + v; q[j] = u - v
        }
    }

    /// The textbook level-by-level transform (the reference the fast one is
    /// tested against).
    public static func referenceTransform(_ f: inout [Double]) {
        let count = f.count
        precondition(count > 0 && count & (count - 1) == 0, "Walsh–Hadamard transform needs a power-of-two length")
        var h = 1
        while h < count {
            var i = 0
            while i < count {
                for j in i..<(i + h) {
                    let u = f[j], v = f[j + h]
                    f[j] = u + v
                    f[j + h] = u - v
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
