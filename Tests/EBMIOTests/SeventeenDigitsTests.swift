import Foundation
import Testing
@testable import EBMIO

/// The data files' numbers are C's `%.17g`; `SeventeenDigits` writes them
/// without `printf` and must give the C library's bytes for every double.
@Suite struct SeventeenDigitsTests {
    /// `%.17g` by the C library.
    static func printf(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buffer in
            let count = withVaList([value]) { vsnprintf(buffer.baseAddress, 40, "%.17g", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(count)), as: UTF8.self)
        }
    }

    /// Compares both on `values`; returns how many the exact path wrote.
    static func compare(_ values: [Double]) -> Int {
        var exact = 0
        for value in values {
            let c = printf(value)
            #expect(DataFile.format(value) == c, "value bits \(String(value.bitPattern, radix: 16))")
            if let mine = SeventeenDigits.format(value) {
                exact += 1
                #expect(mine == c, "value bits \(String(value.bitPattern, radix: 16))")
            }
        }
        return exact
    }

    @Test func randomBitPatternsOfEveryExponent() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = []
        while values.count < 200_000 {
            let value = Double(bitPattern: generator.next())
            if value.isFinite { values.append(value) }
        }
        _ = Self.compare(values)
    }

    /// Log-uniform over 1e-16 … 1e38 with either sign: all within the
    /// exact range, so none may fall back to the C library.
    @Test func everyValueOfTheExactRangeIsWrittenWithoutPrintf() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<200_000).map { i -> Double in
            let magnitude = Foundation.pow(10, Double.random(in: -15.9...37.9, using: &generator))
            return i % 2 == 0 ? magnitude : -magnitude
        }
        #expect(Self.compare(values) == values.count)
    }

    /// Values whose exact decimal expansion has 18 significant digits
    /// ending in 5 lie half-way between two 17-digit results: `%.17g`
    /// takes the even one. K + 1/4, K + 3/4 with 16-digit K, and K/8 with
    /// 15 integer digits.
    @Test func halfwayCasesRoundToEven() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = []
        for _ in 0..<20_000 {
            let k = Double(UInt64.random(in: 1_000_000_000_000_000..<2_250_000_000_000_000, using: &generator))
            values.append(k + 0.25)
            values.append(k + 0.75)
            let eighth = UInt64.random(in: 800_000_000_000_000..<8_000_000_000_000_000, using: &generator) | 1
            values.append(Double(eighth) / 8)
        }
        var ties = 0
        for value in values {
            // An exact tie: the 18 digits printf gives at %.17e end in 5 with nothing after.
            let long = String(format: "%.40e", value)
            let mantissa = long.prefix(while: { $0 != "e" }).replacingOccurrences(of: ".", with: "")
            let tail = mantissa.dropFirst(17)
            if tail.first == "5" && tail.dropFirst().allSatisfy({ $0 == "0" }) { ties += 1 }
        }
        #expect(ties == values.count, "every constructed value is a tie")
        #expect(Self.compare(values) == values.count)
    }

    /// Powers of ten and their neighbours: the decimal exponent changes
    /// there, values round up to the next power, and %g switches between
    /// the fixed and the exponent form at 1e-4 and 1e17.
    @Test func powersOfTenAndTheirNeighbours() {
        var values: [Double] = []
        for p in -20...40 {
            let power = Double("1e\(p)")!
            var below = power, above = power
            for _ in 0..<40 {
                values += [below, above, -below, -above]
                below = below.nextDown
                above = above.nextUp
            }
            values.append(power * 9.999999999999999)
            values.append(power * 9.9999999999999999)
        }
        values += [1, 0.5, 2, 3, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123_456_789, 9_007_199_254_740_993, .pi, -.pi]
        values += [0.0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        _ = Self.compare(values)
    }

    @Test func notFiniteValuesKeepTheirWords() {
        #expect(DataFile.format(.nan) == "nan")
        #expect(DataFile.format(.infinity) == "inf")
        #expect(DataFile.format(-.infinity) == "-inf")
        #expect(SeventeenDigits.format(.nan) == nil)
    }
}
