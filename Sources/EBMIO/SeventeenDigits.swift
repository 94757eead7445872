/// C's `%.17g` for finite doubles, byte for byte, without `printf`.
///
/// `%.17g` rounds the exact binary value to 17 significant decimal digits
/// (to nearest, ties to even), writes `d.ddd…e±XX` when the decimal
/// exponent `X` of the rounded value is below −4 or at least 17 and the
/// fixed form with `16 − X` decimals otherwise, and then drops trailing
/// zeros of the fraction and a point left bare. glibc reaches the digits
/// with multiple-precision arithmetic, about a microsecond a number; a
/// continuation's diagram has millions of them.
///
/// Here the 17 digits come from one exact 128-bit product or quotient:
/// for `|x| = m 2^e` (`m` the 53-bit significand) and `k = 16 − X`,
/// `|x| 10^k` is `m 5^k 2^(e+k)`, exact in 128 bits while `k ≤ 32`, or
/// `(m 2^e) / 10^(−k)`, exact while `m 2^e < 2^128`. The remainder left
/// by the shift or the division decides the rounding exactly, ties
/// included. Outside that range (magnitudes below 1e-16 or above about
/// 1.7e38, subnormals) `digits` answers nil and the caller asks the C
/// library. `SeventeenDigitsTests` compares the two on millions of values.
enum SeventeenDigits {
    /// The text `%.17g` gives for `value`, or nil outside the exact range.
    static func format(_ value: Double) -> String? {
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        guard value.isFinite, let (digits, exponent) = digits(of: value.magnitude) else { return nil }
        return text(negative: value.sign == .minus, digits: digits, exponent: exponent)
    }

    /// 10^0 … 10^38, the powers of ten a `UInt128` holds.
    private static let powersOfTen: [UInt128] = {
        var powers: [UInt128] = [1]
        for _ in 1...38 { powers.append(powers.last! * 10) }
        return powers
    }()

    /// 5^0 … 5^32.
    private static let powersOfFive: [UInt128] = {
        var powers: [UInt128] = [1]
        for _ in 1...32 { powers.append(powers.last! * 5) }
        return powers
    }()

    /// `N`, the 17 significant digits of the positive normal `x` rounded
    /// to nearest (ties to even) as an integer in [10^16, 10^17), and the
    /// decimal exponent `X` of the rounded value (`x ≈ N 10^(X−16)`).
    static func digits(of x: Double) -> (UInt64, Int)? {
        guard x.isNormal else { return nil }
        let m = UInt128(x.significandBitPattern | (1 << 52))
        let e = Int(x.exponent) - 52
        // log10(2) by 78913 / 2^18 (exact floor for |binary exponent| < 1650):
        // the guess is X or X − 1; a quotient of 10^17 or more says which.
        var exponent = (Int(x.exponent) * 78913) >> 18
        for _ in 0..<2 {
            guard let (quotient, roundsUp) = scaled(m, e, by: 16 - exponent) else { return nil }
            if quotient >= powersOfTen[17] {
                exponent += 1
                continue
            }
            precondition(quotient >= powersOfTen[16], "SeventeenDigits: decimal exponent guessed too high")
            var n = quotient + (roundsUp ? 1 : 0)
            if n == powersOfTen[17] {
                n = powersOfTen[16]
                exponent += 1
            }
            return (UInt64(n), exponent)
        }
        preconditionFailure("SeventeenDigits: decimal exponent not found")
    }

    /// `⌊m 2^e 10^k⌋` and whether rounding to nearest, ties to even,
    /// goes up from it; nil when the product is not exact in 128 bits.
    private static func scaled(_ m: UInt128, _ e: Int, by k: Int) -> (UInt128, Bool)? {
        if k >= 0 {
            guard k <= 32 else { return nil }
            let product = m * powersOfFive[k]  // < 2^53 · 5^32 < 2^128
            let shift = e + k
            if shift >= 0 {
                guard shift < 128, product.leadingZeroBitCount > shift else { return nil }
                return (product << shift, false)
            }
            guard -shift < 128 else { return nil }
            let quotient = product >> -shift
            let remainder = product & ((UInt128(1) << -shift) - 1)
            let half = UInt128(1) << (-shift - 1)
            return (quotient, remainder > half || (remainder == half && quotient & 1 == 1))
        }
        let j = -k
        guard j <= 38, e >= 0, e < 128, m.leadingZeroBitCount > e else { return nil }
        let numerator = m << e
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: powersOfTen[j])
        let twice = remainder << 1  // remainder < 10^38 < 2^127
        return (quotient, twice > powersOfTen[j] || (twice == powersOfTen[j] && quotient & 1 == 1))
    }

    /// `%.17g`'s layout of `N 10^(X−16)`, written in one buffer on the
    /// stack: the 17 digits at its end, the text at its start.
    static func text(negative: Bool, digits: UInt64, exponent: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let zero = UInt8(ascii: "0"), point = UInt8(ascii: ".")
            let ascii = buffer.baseAddress! + 40
            var n = digits
            for i in stride(from: 16, through: 0, by: -1) {
                ascii[i] = zero &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
            }
            var significant = 17
            while significant > 1 && ascii[significant - 1] == zero { significant -= 1 }
            let out = buffer.baseAddress!
            var count = 0
            func put(_ byte: UInt8) { out[count] = byte; count += 1 }
            func put(from start: Int, to end: Int) { for i in start..<end { put(ascii[i]) } }
            if negative { put(UInt8(ascii: "-")) }
            if exponent < -4 || exponent >= 17 {
                put(ascii[0])
                if significant > 1 {
                    put(point)
                    put(from: 1, to: significant)
                }
                put(UInt8(ascii: "e"))
                put(UInt8(ascii: exponent < 0 ? "-" : "+"))
                let magnitude = exponent.magnitude
                if magnitude >= 100 { put(zero &+ UInt8(magnitude / 100)) }
                put(zero &+ UInt8(magnitude / 10 % 10))
                put(zero &+ UInt8(magnitude % 10))
            } else if exponent >= 0 {
                let whole = exponent + 1
                put(from: 0, to: whole)
                if significant > whole {
                    put(point)
                    put(from: whole, to: significant)
                }
            } else {
                put(zero)
                put(point)
                for _ in 0..<(-exponent - 1) { put(zero) }
                put(from: 0, to: significant)
            }
            return String(decoding: UnsafeBufferPointer(start: out, count: count), as: UTF8.self)
        }
    }
}
