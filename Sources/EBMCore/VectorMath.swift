/// Element-wise transcendental functions written as branch-free scalar code
/// that the compiler vectorises when it is called in a loop over a buffer
/// (glibc's `exp` is an opaque call that no loop around it can vectorise).
/// All-states passes evaluate them `2^n h` times per right-hand side, where
/// they dominate.
public enum VectorMath {
    /// `e^x` to within about 1 ulp for `-708.39 ≤ x ≤ 709`; 0 below (true
    /// values there are subnormal, under 2.3e-308), `+∞` above (the kernels
    /// only take exponentials of non-positive numbers), NaN for NaN.
    ///
    /// `x = k ln 2 + r`, `|r| ≤ ln2/2` (Cody–Waite with a two-part ln 2),
    /// `e^r` by its Taylor polynomial of degree 13 (remainder < 2e-17)
    /// evaluated by Estrin's scheme (four dependent levels instead of
    /// Horner's thirteen, so consecutive elements overlap in the pipeline),
    /// and `2^k` put into the exponent bits. No branches: clamping and the
    /// out-of-range results are selects. Tested against glibc: relative
    /// error below 4e-16 on [-708, 709].
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double {
        let lower = -708.39, upper = 709.0
        let clamped = x < lower ? lower : (x > upper ? upper : x)
        // Adding 1.5·2^52 rounds x·log2(e) to an integer held in the low mantissa bits.
        let shifter = 6_755_399_441_055_744.0
        let kd = clamped * 1.4426950408889634 + shifter
        let k = kd - shifter
        let r = (clamped - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        // e^r = 1 + (r + r² q(r)), q = 1/2 + r/6 + … + r¹¹/13!, the two
        // largest terms added last so that q's rounding hardly shows.
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let q01 = 0.5 + 0.16666666666666666 * r
        let q23 = 0.041666666666666664 + 0.008333333333333333 * r
        let q45 = 0.001388888888888889 + 0.0001984126984126984 * r
        let q67 = 2.48015873015873e-05 + 2.7557319223985893e-06 * r
        let q89 = 2.755731922398589e-07 + 2.505210838544172e-08 * r
        let q1011 = 2.08767569878681e-09 + 1.6059043836821613e-10 * r
        let q = ((q01 + q23 * r2) + (q45 + q67 * r2) * r4) + ((q89 + q1011 * r2) * r8)
        let p = 1.0 + (r + r2 * q)
        let bits = (kd.bitPattern &- shifter.bitPattern &+ 1023) &<< 52
        let y = p * Double(bitPattern: bits)
        let high = x > upper ? Double.infinity : y
        let low = x < lower ? 0 : high
        return x.isNaN ? x : low
    }

    /// `log x` for positive normal `x` (`2.2e-308 ≤ x < ∞`), to within
    /// about 1 ulp; what it returns for zero, subnormal, negative, infinite
    /// or NaN arguments is unspecified (the kernels take logarithms of
    /// products of factors in (1, 2] only).
    ///
    /// fdlibm's reduction: `x = 2^k (1 + f)` with `1 + f ∈ [√½, √2)` read
    /// from the bits, `s = f/(2 + f)`, and
    ///
    ///     log(1 + f) = 2 atanh s = f - (f²/2 - s (f²/2 + R)),
    ///     R = 2s²/3 + 2s⁴/5 + … + 2s²²/23   (|s| ≤ 0.172, remainder < 1e-19),
    ///
    /// plus `k ln 2` with a two-part ln 2 whose leading part makes `k ln2_hi`
    /// exact. Branch-free, so a loop over a buffer vectorises. Tested
    /// against glibc: relative error below 4e-16 on [1e-300, 1e300].
    @inlinable @inline(__always)
    public static func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        let mantissaBits = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000
        let exponent = Int64(bitPattern: (bits >> 52) & 0x7FF) - 1023
        let unreduced = Double(bitPattern: mantissaBits)
        let isLarge = unreduced > 1.4142135623730951
        let f = (isLarge ? unreduced * 0.5 : unreduced) - 1
        let k = Double(isLarge ? exponent + 1 : exponent)
        let s = f / (2 + f)
        let s2 = s * s, s4 = s2 * s2, s8 = s4 * s4
        // R by Estrin's scheme in s².
        let r01 = 2.0 / 3 + s2 * (2.0 / 5), r23 = 2.0 / 7 + s2 * (2.0 / 9)
        let r45 = 2.0 / 11 + s2 * (2.0 / 13), r67 = 2.0 / 15 + s2 * (2.0 / 17)
        let r89 = 2.0 / 19 + s2 * (2.0 / 21), r10 = 2.0 / 23
        let series = (r01 + r23 * s4) + ((r45 + r67 * s4) + (r89 + r10 * s4) * s8) * s8
        let r = s2 * series
        let halfSquare = 0.5 * f * f
        return k * 0.6931471803691238 - ((halfSquare - (s * (halfSquare + r) + k * 1.9082149292705877e-10)) - f)
    }

    /// `log 2cosh u = |u| + log(1 + e^{-2|u|})` and `tanh u` from one
    /// exponential, as the RBM's spin-unit kernel computes them (there the
    /// `log(1 + t)` of all units are summed as one `log Π(1 + t)` per
    /// state). Tested against glibc's `log(2 cosh u)` and `tanh u` on
    /// |u| ≤ 40: absolute errors below 4e-16 · max(1, |u|) and 4e-16 (under
    /// two ulps of 1: near u = 0, `1 - t` cancels, as in any formula from
    /// `e^{-2|u|}` rather than `expm1`).
    @inlinable @inline(__always)
    public static func logTwoCoshAndTanh(_ u: Double) -> (logTwoCosh: Double, tanh: Double) {
        let au = abs(u)
        let t = exp(-2 * au)
        let th = (1 - t) / (1 + t)
        return (au + log(1 + t), u < 0 ? -th : th)
    }

    /// `y[i] = e^{x[i]}` (may alias).
    @inlinable
    public static func exp(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = exp(x[i]) }
    }
}
