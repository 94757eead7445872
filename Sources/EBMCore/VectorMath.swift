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
    /// `e^r` by its Taylor polynomial of degree 13 (remainder < 2e-17), and
    /// `2^k` put into the exponent bits. No branches: clamping and the
    /// out-of-range results are selects.
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double {
        let lower = -708.39, upper = 709.0
        let clamped = x < lower ? lower : (x > upper ? upper : x)
        // Adding 1.5·2^52 rounds x·log2(e) to an integer held in the low mantissa bits.
        let shifter = 6_755_399_441_055_744.0
        let kd = clamped * 1.4426950408889634 + shifter
        let k = kd - shifter
        let r = (clamped - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        var p = 1.6059043836821613e-10
        p = p * r + 2.08767569878681e-09
        p = p * r + 2.505210838544172e-08
        p = p * r + 2.755731922398589e-07
        p = p * r + 2.7557319223985893e-06
        p = p * r + 2.48015873015873e-05
        p = p * r + 0.0001984126984126984
        p = p * r + 0.001388888888888889
        p = p * r + 0.008333333333333333
        p = p * r + 0.041666666666666664
        p = p * r + 0.16666666666666666
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        let bits = (kd.bitPattern &- shifter.bitPattern &+ 1023) &<< 52
        let y = p * Double(bitPattern: bits)
        let high = x > upper ? Double.infinity : y
        let low = x < lower ? 0 : high
        return x.isNaN ? x : low
    }

    /// `y[i] = e^{x[i]}` (may alias).
    @inlinable
    public static func exp(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = exp(x[i]) }
    }
}
