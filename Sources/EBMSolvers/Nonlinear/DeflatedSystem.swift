import EBMLinearAlgebra

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// F deflated at known roots r_1 … r_m (Farrell, Birkisson & Funke 2015):
///
///     G(x) = M(x) F(x),   M(x) = Π_i (|x - r_i|^{-p} + σ),
///     ∂G/∂x = M J + F ∇Mᵀ,   ∇M = M Σ_i -p (x - r_i) / (|x - r_i|² (1 + σ |x - r_i|^p)).
///
/// G has the roots of F except the r_i (M blows up there faster than F
/// vanishes, for p >= 1 and isolated simple roots), and with σ > 0 it
/// behaves like F far from them, so Newton from the same start finds
/// another root. M is accumulated as exp(Σ log m_i) so that many deflated
/// roots do not overflow the product before it is needed. At a deflated root
/// itself G is not finite. The Jacobian is not symmetric even when J is.
/// Cost: O(m n) on top of F and J.
public final class DeflatedSystem: NonlinearSystem {
    public let base: any NonlinearSystem
    /// r_1 … r_m, each of `base.dimension` entries.
    public let roots: [[Double]]
    /// p > 0.
    public let power: Double
    /// σ >= 0.
    public let shift: Double
    /// T: distances are `|T(x) - T(r_i)|` (a representative of x's class:
    /// its canonical form under F's symmetries, so one deflated root
    /// deflates its whole orbit). T must be piecewise affine with an
    /// invertible linear part (a signed permutation, a shear); its
    /// derivative is taken by differences, exact where T is affine.
    public let representative: (@Sendable ([Double]) -> [Double])?
    private let representedRoots: [[Double]]

    /// - Throws: `InvalidArgumentError` for p <= 0, σ < 0 (or either not
    ///   finite), or a root without `base.dimension` finite entries.
    public init(_ base: any NonlinearSystem, roots: [[Double]], power: Double = 2, shift: Double = 1,
                representative: (@Sendable ([Double]) -> [Double])? = nil) throws {
        guard power > 0, power.isFinite else {
            throw InvalidArgumentError(argument: "power", reason: "must be positive and finite, got \(power)")
        }
        guard shift >= 0, shift.isFinite else {
            throw InvalidArgumentError(argument: "shift", reason: "must be non-negative and finite, got \(shift)")
        }
        for (i, root) in roots.enumerated() {
            guard root.count == base.dimension else {
                throw InvalidArgumentError(
                    argument: "roots[\(i)]",
                    reason: "has \(root.count) components, the system has dimension \(base.dimension)")
            }
            if let k = root.firstIndex(where: { !$0.isFinite }) {
                throw InvalidArgumentError(argument: "roots[\(i)]", reason: "component \(k) is \(root[k])")
            }
        }
        self.base = base
        self.roots = roots
        self.power = power
        self.shift = shift
        self.representative = representative
        representedRoots = representative.map { t in roots.map(t) } ?? roots
    }

    public var dimension: Int { base.dimension }
    public var isSymmetric: Bool { roots.isEmpty && base.isSymmetric }

    /// M(x) and ∇M(x).
    public func deflationFactor(at x: [Double]) -> (value: Double, gradient: [Double]) {
        let t = representative.map { $0(x) } ?? x
        var logM = 0.0
        // Σ_i c_i (T(x) - T(r_i)); the gradient is Aᵀ of it, A = ∂T/∂x.
        var sum = [Double](repeating: 0, count: t.count)
        for r in representedRoots {
            let d = Vector.difference(t, r)
            let distance = Vector.norm(d)
            let dp = pow(distance, power)
            // log(d^-p + σ) = -log(d^p) + log(1 + σ d^p), accurate for small and large d.
            logM += -log(dp) + log1p(shift * dp)
            let c = -power / (distance * distance * (1 + shift * dp))
            for i in sum.indices { sum[i] += c * d[i] }
        }
        let m = exp(logM)
        guard let representative else { return (m, sum.map { m * $0 }) }
        // Column j of A by a difference: exact where T is affine around x.
        var gradientOfLog = [Double](repeating: 0, count: x.count)
        for j in x.indices {
            var shifted = x
            let h = 1e-6 * max(1, abs(x[j]))
            shifted[j] += h
            let column = Vector.difference(representative(shifted), t)
            gradientOfLog[j] = zip(column, sum).reduce(0) { $0 + $1.0 * $1.1 } / h
        }
        return (m, gradientOfLog.map { m * $0 })
    }

    public func residual(_ x: [Double]) throws -> [Double] {
        let f = try base.residual(x)
        let m = deflationFactor(at: x).value
        return f.map { m * $0 }
    }

    public func jacobian(_ x: [Double]) throws -> Matrix {
        let f = try base.residual(x)
        var j = try base.jacobian(x)
        let (m, gradient) = deflationFactor(at: x)
        let n = dimension
        for column in 0..<n {
            for row in 0..<n {
                j[row, column] = m * j[row, column] + f[row] * gradient[column]
            }
        }
        return j
    }
}
