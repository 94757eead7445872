#if canImport(Glibc)
import Glibc
#endif
import Testing
import EBMCore

/// The branch-free elementary functions of the all-states kernels against
/// glibc, over their whole stated ranges, at the accuracy their
/// documentation states.
@Suite("vectorised elementary functions against libm")
struct VectorMathTests {
    @Test("log: relative error below 4e-16 on [1e-300, 1e300] and near 1")
    func logarithm() {
        var worst = 0.0
        var exponent = -300.0
        while exponent <= 300 {
            let x = Glibc.pow(10, exponent)
            let reference = Glibc.log(x)
            worst = max(worst, abs(VectorMath.log(x) - reference) / abs(reference))
            exponent += 0.00731
        }
        // Near 1, where log x is small and a relative error is hardest to keep.
        var x = 0.5
        while x <= 2 {
            if x != 1 {
                let reference = Glibc.log(x)
                worst = max(worst, abs(VectorMath.log(x) - reference) / abs(reference))
            }
            x += 0.000_0137
        }
        #expect(worst < 4e-16, "worst relative error \(worst)")
        #expect(VectorMath.log(1) == 0)
        #expect(VectorMath.log(2) == Glibc.log(2))
        #expect(VectorMath.log(Double.leastNormalMagnitude) == Glibc.log(Double.leastNormalMagnitude))
        #expect(VectorMath.log(Double.greatestFiniteMagnitude) == Glibc.log(Double.greatestFiniteMagnitude))
    }

    @Test("log 2cosh u and tanh u from one exponential: absolute errors below 4e-16 max(1, |u|) and 4e-16")
    func logTwoCoshAndTanh() {
        var worstLog = 0.0, worstTanh = 0.0
        var u = -40.0
        while u <= 40 {
            let (logTwoCosh, tanh) = VectorMath.logTwoCoshAndTanh(u)
            // glibc's cosh overflows nowhere on this range; log(2 cosh u) is
            // then accurate to an ulp of the result.
            let referenceLog = Glibc.log(2 * Glibc.cosh(u))
            worstLog = max(worstLog, abs(logTwoCosh - referenceLog) / max(1, abs(u)))
            worstTanh = max(worstTanh, abs(tanh - Glibc.tanh(u)))
            u += 0.000_731
        }
        #expect(worstLog < 4e-16, "log 2cosh: worst error \(worstLog)")
        #expect(worstTanh < 4e-16, "tanh: worst error \(worstTanh)")
        #expect(VectorMath.logTwoCoshAndTanh(0) == (Glibc.log(2), 0))
    }
}
