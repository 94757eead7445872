import Foundation
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

/// Computations for the certificate tests that do not go through the code
/// under test: the closed forms of docs/analyses.md ("Certified stopping"),
/// a Jacobi eigensolver instead of LAPACK, the Hessian assembled from
/// Hessian-vector products instead of `hessian()`, and the gradient summed
/// here from the energy gradients instead of `pullback`.
enum CertificateCheck {
    /// Unit roundoff, 2⁻⁵³.
    static let u = Double.ulpOfOne / 2

    // MARK: Closed forms

    /// `c₂ = sup φ''`: `φ'' = 1 − tanh²` (spin, at u = 0) and `σ(1 − σ)` (binary, at u = 0).
    static func c2(_ units: RestrictedBoltzmannMachine.Units) -> Double { units == .spin ? 1 : 0.25 }

    /// `c₃ = sup |φ'''|`. Spin: `φ''' = −2t(1 − t²)`, `t = tanh u`, stationary
    /// at `t² = 1/3`: `4/(3√3) = 4√3/9`. Binary: `φ''' = σ(1 − σ)(1 − 2σ)`,
    /// stationary at `σ = 1/2 ± 1/(2√3)` where `σ(1 − σ) = 1/6`,
    /// `|1 − 2σ| = 1/√3`: `1/(6√3) = √3/18`. (Written differently from the code on purpose.)
    static func c3(_ units: RestrictedBoltzmannMachine.Units) -> Double {
        units == .spin ? 4 * 3.0.squareRoot() / 9 : 3.0.squareRoot() / 18
    }

    /// The positive maximiser of `|φ'''|`: `tanh u = 1/√3` gives `e^{2u} = 2 + √3`;
    /// `σ(u) = (3 + √3)/6` gives `e^u = 2 + √3`. There `φ'''(u*) = −c₃`.
    static func thirdDerivativeMaximiser(_ units: RestrictedBoltzmannMachine.Units) -> Double {
        units == .spin ? log(2 + 3.0.squareRoot()) / 2 : log(2 + 3.0.squareRoot())
    }

    /// `sup |φ⁽⁴⁾|` and `sup |φ⁽⁵⁾|` (sympy, maxima of the closed forms on a
    /// fine grid, rounded up): spin 2 and 4.0859, binary 0.125 and 0.12769.
    /// Only finite-difference truncation bounds use them.
    static func c4(_ units: RestrictedBoltzmannMachine.Units) -> Double { units == .spin ? 2 : 0.125 }
    static func c5(_ units: RestrictedBoltzmannMachine.Units) -> Double { units == .spin ? 4.086 : 0.1277 }

    /// `B₁ = √(n + h(n+1))`, `B₂ = c₂(n+1)`, `B₃ = c₃(n+1)^{3/2}`, `M = 2B₃ + 3B₁B₂ + 2B₁³`.
    static func rbmBound(spins n: Int, hidden h: Int, units: RestrictedBoltzmannMachine.Units)
        -> (b1: Double, b2: Double, b3: Double, m: Double) {
        let b1 = Double(n + h * (n + 1)).squareRoot()
        let b2 = c2(units) * Double(n + 1)
        let b3 = c3(units) * pow(Double(n + 1), 1.5)
        return (b1, b2, b3, 2 * b3 + 3 * b1 * b2 + 2 * pow(b1, 3))
    }

    /// Generalised Ising (energy linear in θ): `B₁ = √P`, `B₂ = B₃ = 0`, `M = 2P^{3/2}`.
    static func isingBound(parameters p: Int) -> Double { 2 * pow(Double(p), 1.5) }

    // MARK: Linear algebra without LAPACK

    /// Eigenvalues (ascending) and unit eigenvectors of the symmetric part of
    /// `a`, by cyclic Jacobi rotations. Backward stable: each eigenvalue is
    /// exact for a matrix within a small multiple of `n u ‖a‖_F`.
    static func jacobiEigen(_ a: Matrix) -> (values: [Double], vectors: [[Double]]) {
        let n = a.rows
        var m = (0..<n).map { r in (0..<n).map { c in 0.5 * (a[r, c] + a[c, r]) } }
        var v = (0..<n).map { r in (0..<n).map { c in r == c ? 1.0 : 0.0 } }
        let scale = frobenius(a)
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in 0..<n where q != p { off += m[p][q] * m[p][q] } }
            if off.squareRoot() <= 1e-3 * u * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<n where m[p][q] != 0 {
                    let theta = (m[q][q] - m[p][p]) / (2 * m[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let kp = m[k][p], kq = m[k][q]
                        m[k][p] = c * kp - s * kq
                        m[k][q] = s * kp + c * kq
                    }
                    for k in 0..<n {
                        let pk = m[p][k], qk = m[q][k]
                        m[p][k] = c * pk - s * qk
                        m[q][k] = s * pk + c * qk
                    }
                    for k in 0..<n {
                        let kp = v[k][p], kq = v[k][q]
                        v[k][p] = c * kp - s * kq
                        v[k][q] = s * kp + c * kq
                    }
                    // The rotation zeroes (p, q) in exact arithmetic.
                    m[p][q] = 0
                    m[q][p] = 0
                }
            }
        }
        let order = (0..<n).sorted { m[$0][$0] < m[$1][$1] }
        return (order.map { m[$0][$0] }, order.map { j in (0..<n).map { v[$0][j] } })
    }

    static func frobenius(_ a: Matrix) -> Double { a.elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// `dᵀ A d`.
    static func quadratic(_ a: Matrix, _ d: [Double]) -> Double {
        var sum = 0.0
        for c in 0..<a.columns { for r in 0..<a.rows { sum += d[r] * a[r, c] * d[c] } }
        return sum
    }

    static func unit(_ v: [Double]) -> [Double] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    static func step(_ theta: [Double], _ d: [Double], _ s: Double) -> [Double] { zip(theta, d).map { $0 + s * $1 } }

    /// `∇²L` column by column from Hessian-vector products (pushforward,
    /// pullback and curvatureProduct), symmetrised: not the dense path.
    static func hessianFromProducts(_ at: ObjectiveEvaluation) -> Matrix {
        let p = at.free.count
        var h = Matrix(rows: p, columns: p)
        for j in 0..<p {
            var e = [Double](repeating: 0, count: p)
            e[j] = 1
            let column = at.hessianVectorProduct(e)
            for i in 0..<p { h[i, j] = column[i] }
        }
        var sym = h
        for c in 0..<p { for r in 0..<p { sym[r, c] = 0.5 * (h[r, c] + h[c, r]) } }
        return sym
    }

    /// `∇L = Σ_x (q − p)(x) ∂E(x)/∂θ` summed here from the energy gradients
    /// (no frozen parameters), and a bound on `|computed − exact|`: each
    /// component is a sum of 2ⁿ products with error ≤ (2ⁿ + 2) u Σ_x |terms|
    /// (the code's pullback has the same bound; `residual` is shared).
    static func gradient(_ at: ObjectiveEvaluation) -> (gradient: [Double], error: Double) {
        let d = at.model.energyGradients(), r = at.residual
        var g = [Double](repeating: 0, count: d.rows)
        var errorSquared = 0.0
        for j in 0..<d.rows {
            var sum = 0.0, magnitude = 0.0
            for x in 0..<d.columns {
                sum += r[x] * d[j, x]
                magnitude += abs(r[x] * d[j, x])
            }
            g[j] = sum
            let e = 2 * Double(d.columns + 2) * u * magnitude  // this sum's and the pullback's
            errorSquared += e * e
        }
        return (g, errorSquared.squareRoot())
    }

    // MARK: The certified ball, computed here

    struct Ball {
        /// λ_min and λ_max of ∇²L at the end (Jacobi on the product-built Hessian).
        let lowest: Double, highest: Double
        let lowestVector: [Double]
        /// The code's rule: λ = λ_min − 1e-12 max(|λ_max|, 1), R = λ/2M, μ = λ/2, ε = |∇L|/μ.
        let lambda: Double, outer: Double, mu: Double, gradientNorm: Double, offset: Double
        /// R − 2ε, and whether the rule issues it (λ > 0 and R − 2ε > R/2).
        let radius: Double
        let issued: Bool
        /// Bound on |this radius − the code's| from rounding alone.
        let tolerance: Double
        /// Bound on |λ_min here − λ_min of the code's Hessian by LAPACK|.
        let eigenvalueError: Double
    }

    /// The documented ball at θ_r with `bound` = M, from independent
    /// ingredients. The tolerance: the two Hessians (product-built here,
    /// dense in the code) differ by a measured `Δ`; by Weyl their eigenvalues
    /// differ by ≤ ‖Δ‖₂ ≤ ‖Δ‖_F, and each eigensolver adds a backward error
    /// ≤ 4P² u ‖H‖_F (generous). The gradient norms differ by ≤ δg (above).
    /// Propagated through R − 2ε = λ/2M − 4|g|/λ.
    static func ball(at theta: [Double], objective: LearningObjective, bound: Double) -> Ball {
        let at = objective.evaluate(theta)
        let h = hessianFromProducts(at)
        let (values, vectors) = jacobiEigen(h)
        let dense = at.hessian()
        var difference = dense
        for k in difference.elements.indices { difference.elements[k] = dense.elements[k] - h.elements[k] }
        let p = Double(h.rows)
        let eigenvalueError = frobenius(difference) + 2 * 4 * p * p * u * frobenius(h)
        let (g, gradientError) = gradient(at)
        let gradientNorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let lowest = values.first!, highest = values.last!
        let lambda = lowest - 1e-12 * max(abs(highest), 1)
        let outer = lambda / (2 * bound), mu = lambda / 2
        let offset = gradientNorm / mu
        let radius = outer - 2 * offset
        let lambdaError = eigenvalueError * (1 + 1e-12)
        // ∂radius/∂λ = 1/2M + 4|g|/λ², ∂radius/∂|g| = −4/λ; plus a few roundings of the formula.
        let tolerance = lambdaError * (1 / (2 * bound) + 4 * gradientNorm / (lambda * lambda))
            + 4 * gradientError / abs(lambda) + 16 * u * (abs(outer) + 2 * abs(offset))
        return Ball(lowest: lowest, highest: highest, lowestVector: vectors.first!, lambda: lambda, outer: outer, mu: mu,
                    gradientNorm: gradientNorm, offset: offset, radius: radius, issued: lambda > 0 && radius > outer / 2,
                    tolerance: tolerance, eigenvalueError: eigenvalueError)
    }

    // MARK: Energy derivatives along a line, from the code

    /// `e₂(x) = dᵀ ∂²E_θ(x) d` for every state, from the code's curvatureMatrix.
    static func secondDerivatives(_ model: any EnergyModel, _ theta: [Double], _ d: [Double]) -> [Double] {
        let at = model.evaluate(theta)
        return (0..<model.stateCount).map { x in
            var w = [Double](repeating: 0, count: model.stateCount)
            w[x] = 1
            return quadratic(at.curvatureMatrix(weights: w), d)
        }
    }
}
