import EBMLinearAlgebra

/// An evaluation or factorisation the corrector cannot use (a non-finite
/// residual or Jacobian). Caught inside the engine and turned into a
/// rejected step; it never escapes `continuation(_:_:)`.
struct CorrectorBreakdown: Error {
    let reason: String
}

/// The numerical kernel shared by continuation, special-point location,
/// branch switching and the Newton homotopy. Points of the curve are
/// `z = (x, λ) ∈ ℝⁿ⁺¹`, λ last.
final class ContinuationEngine {
    let system: any ParameterizedSystem
    let dimension: Int
    let method: PseudoArclength
    let domain: ClosedRange<Double>?
    var statistics = ContinuationStatistics()

    init(system: any ParameterizedSystem, method: PseudoArclength) {
        self.system = system
        self.dimension = system.dimension
        self.method = method
        self.domain = (system as? BoundedParameterSystem)?.parameterDomain
    }

    /// Refuses (as a rejected step) a λ outside the system's domain.
    private func checkDomain(_ λ: Double) throws {
        if let domain, !domain.contains(λ) {
            throw CorrectorBreakdown(reason: "λ = \(λ) lies outside the parameter domain \(domain)")
        }
    }

    /// `e_λ`, the unit vector of the parameter axis.
    var parameterAxis: [Double] {
        var e = [Double](repeating: 0, count: dimension + 1)
        e[dimension] = 1
        return e
    }

    // MARK: Evaluations

    /// `F(x, λ)`. Throws `CorrectorBreakdown` for non-finite values and
    /// `InvalidArgumentError` for a residual of the wrong length (a bug in
    /// the system); errors thrown by the system itself propagate.
    func residual(_ z: [Double]) throws -> [Double] {
        statistics.residualEvaluations += 1
        try checkDomain(z[dimension])
        let f = try system.residual(Array(z[0..<dimension]), parameter: z[dimension])
        guard f.count == dimension else {
            throw InvalidArgumentError(argument: "residual",
                                       reason: "has \(f.count) entries, the system's dimension is \(dimension)")
        }
        guard f.allSatisfy(\.isFinite) else { throw CorrectorBreakdown(reason: "non-finite residual") }
        return f
    }

    /// The augmented Jacobian `[F_x | F_λ]`, n × (n+1).
    func augmentedJacobian(_ z: [Double]) throws -> Matrix {
        statistics.jacobianEvaluations += 1
        let n = dimension
        try checkDomain(z[n])
        let x = Array(z[0..<n])
        let fx = try system.jacobian(x, parameter: z[n])
        let fλ = try system.parameterDerivative(x, parameter: z[n])
        guard fx.rows == n, fx.columns == n else {
            throw InvalidArgumentError(argument: "jacobian", reason: "is \(fx.rows) × \(fx.columns), expected \(n) × \(n)")
        }
        guard fλ.count == n else {
            throw InvalidArgumentError(argument: "parameterDerivative",
                                       reason: "has \(fλ.count) entries, the system's dimension is \(n)")
        }
        guard fx.elements.allSatisfy(\.isFinite), fλ.allSatisfy(\.isFinite) else {
            throw CorrectorBreakdown(reason: "non-finite Jacobian")
        }
        return Matrix(rows: n, columns: n + 1, columnMajor: fx.elements + fλ)
    }

    /// `F_x`, the first n columns of the augmented Jacobian.
    func stateJacobian(_ augmented: Matrix) -> Matrix {
        let n = dimension
        return Matrix(rows: n, columns: n, columnMajor: Array(augmented.elements[0..<(n * n)]))
    }

    /// `[[F_x, F_λ], [bᵀ]]`, (n+1) × (n+1).
    func bordered(_ augmented: Matrix, row b: [Double]) -> Matrix {
        let n = dimension
        var m = Matrix(rows: n + 1, columns: n + 1)
        for j in 0...n {
            for i in 0..<n { m[i, j] = augmented[i, j] }
            m[n, j] = b[j]
        }
        return m
    }

    // MARK: Corrector

    struct Correction {
        let z: [Double]
        let iterations: Int
    }

    /// Newton's method on `G(z) = (F(z), ⟨b, z⟩ - c) = 0` from `guess`, with
    /// the bordered Jacobian `[[F_x, F_λ], [bᵀ]]` solved by LU (dgesv).
    /// Converged when `max(‖F‖∞, |⟨b, z⟩ - c|) ≤ correctorTolerance`; nil if
    /// that is not reached within `maxCorrectorIterations`, the bordered
    /// matrix is singular, a value is not finite, or the solution lies
    /// farther than `maximumDistance` from `guess`.
    func correct(_ guess: [Double], border b: [Double], value c: Double,
                 maximumDistance: Double? = nil) throws -> Correction? {
        var z = guess
        for iteration in 0...method.maxCorrectorIterations {
            let f: [Double]
            do { f = try residual(z) } catch is CorrectorBreakdown { return nil }
            let g = Vector.dot(b, z) - c
            if max(Vector.maxAbs(f), abs(g)) <= method.correctorTolerance {
                if let limit = maximumDistance, Vector.norm(Vector.difference(z, guess)) > limit { return nil }
                return Correction(z: z, iterations: iteration)
            }
            if iteration == method.maxCorrectorIterations { break }
            statistics.correctorIterations += 1
            do {
                let m = bordered(try augmentedJacobian(z), row: b)
                let step = try LAPACK.solve(m, (f + [g]).map { -$0 })
                guard step.allSatisfy(\.isFinite) else { return nil }
                for i in z.indices { z[i] += step[i] }
            } catch is CorrectorBreakdown {
                return nil
            } catch is LAPACKError {
                return nil
            }
        }
        return nil
    }

    /// The point of the curve with `⟨d, z - from⟩ = σ`, corrected from the
    /// predictor `from + σ d`.
    func point(from z: [Double], along d: [Double], at σ: Double) throws -> [Double]? {
        let guess = zip(z, d).map { $0 + σ * $1 }
        return try correct(guess, border: d, value: Vector.dot(d, z) + σ)?.z
    }

    // MARK: Tangents and kernels

    /// The unit tangent at `z`: the solution of `[[F_x, F_λ], [t_refᵀ]] t =
    /// e_{n+1}`, normalised, hence oriented by `⟨t, t_ref⟩ > 0`. When the
    /// bordered matrix is exactly singular (a point exactly on a branch
    /// point, where the kernel of `[F_x | F_λ]` is two-dimensional) it is
    /// the projection of `t_ref` onto that kernel instead: the direction the
    /// branch arrived in.
    func tangent(at z: [Double], reference: [Double], augmented: Matrix? = nil) throws -> [Double] {
        let a = try augmented ?? augmentedJacobian(z)
        var rhs = [Double](repeating: 0, count: dimension + 1)
        rhs[dimension] = 1
        if let t = try? LAPACK.solve(bordered(a, row: reference), rhs), t.allSatisfy(\.isFinite) {
            let norm = Vector.norm(t)
            if norm > 0, norm.isFinite { return t.map { $0 / norm } }
        }
        return try Self.projection(of: reference, ontoKernelOf: a, minimumDimension: 1)
    }

    /// The unit projection of `v` onto the numerical kernel of A: the
    /// eigenvectors of AᵀA whose eigenvalues are below 10⁻¹² of the largest
    /// (singular values below 10⁻⁶ σ_max), at least `minimumDimension` of
    /// them. If `v` is orthogonal to that space, the smallest right singular
    /// vector oriented by `v`.
    static func projection(of v: [Double], ontoKernelOf a: Matrix, minimumDimension: Int) throws -> [Double] {
        let eigen = try LAPACK.symmetricEigen(BLAS.multiply(a, a, transposeA: true))
        let largest = max(eigen.values.last ?? 0, 0)
        var k = 0
        while k < eigen.values.count && (k < minimumDimension || eigen.values[k] <= 1e-12 * largest) { k += 1 }
        var p = [Double](repeating: 0, count: v.count)
        for j in 0..<k {
            let u = eigen.vectors.column(j)
            let c = Vector.dot(u, v)
            for i in p.indices { p[i] += c * u[i] }
        }
        let norm = Vector.norm(p)
        if norm > 1e-8 * Vector.norm(v) { return p.map { $0 / norm } }
        var u = eigen.vectors.column(0)
        if Vector.dot(u, v) < 0 { u = u.map { -$0 } }
        return u
    }

    /// The unit tangent at the start, oriented by `⟨t, v⟩ > 0` (left as found
    /// if `⟨t, v⟩ = 0`): the kernel of `[F_x | F_λ]`, polished by one
    /// bordered solve.
    func initialTangent(at z: [Double], orientation v: [Double]) throws -> [Double] {
        let a = try augmentedJacobian(z)
        let rough = try Self.smallestRightSingularVector(a)
        var t = try tangent(at: z, reference: rough, augmented: a)
        if Vector.dot(t, v) < 0 { t = t.map { -$0 } }
        return t
    }

    /// The right singular vector of the smallest singular value of A: the
    /// eigenvector of AᵀA with the smallest eigenvalue (dsyevd). Squaring
    /// costs accuracy, so callers polish it.
    static func smallestRightSingularVector(_ a: Matrix) throws -> [Double] {
        let gram = BLAS.multiply(a, a, transposeA: true)
        let eigen = try LAPACK.symmetricEigen(gram)
        return eigen.vectors.column(0)
    }

    /// A unit null vector of a (nearly) singular square `F_x`, its largest
    /// component positive: symmetric — the eigenvector of the eigenvalue
    /// nearest zero; otherwise the smallest right singular vector polished by
    /// two steps of inverse iteration (LU), which converge at once when `F_x`
    /// is close to singular.
    func nullVector(of fx: Matrix) throws -> [Double] {
        var φ: [Double]
        if system.isSymmetric {
            let eigen = try LAPACK.symmetricEigen(fx)
            let k = eigen.values.indices.min { abs(eigen.values[$0]) < abs(eigen.values[$1]) }!
            φ = eigen.vectors.column(k)
        } else {
            φ = try Self.smallestRightSingularVector(fx)
            let lu = try LAPACK.luFactorization(fx)
            for _ in 0..<2 {
                guard let y = try? lu.solve(φ), y.allSatisfy(\.isFinite) else { break }
                let norm = Vector.norm(y)
                guard norm > 0, norm.isFinite else { break }
                φ = y.map { $0 / norm }
            }
        }
        let k = φ.indices.max { abs(φ[$0]) < abs(φ[$1]) }!
        if φ[k] < 0 { φ = φ.map { -$0 } }
        return φ
    }

    // MARK: Stability

    /// The negative-eigenvalue count of `F_x` (symmetric systems) or the sign
    /// of its determinant.
    func stability(_ augmented: Matrix) throws -> StabilityIndicator {
        let fx = stateJacobian(augmented)
        if system.isSymmetric {
            return .negativeEigenvalues(try LAPACK.symmetricEigenvalues(fx).filter { $0 < 0 }.count)
        }
        return .determinantSign(try LAPACK.luFactorization(fx).determinantSign)
    }

    // MARK: Location

    struct Location {
        /// The located point.
        let z: [Double]
        /// Its offset σ from the bracket's start.
        let offset: Double
        let value: Double
        /// The final bracket, in σ.
        let bracket: ClosedRange<Double>
        let converged: Bool
    }

    /// A root of `test` on the piece of curve `σ ↦ z(σ)`, `⟨d, z(σ) - za⟩ = σ`,
    /// `σ ∈ [0, length]`, with `z(0) = za`, `z(length) = zb`: Illinois
    /// (safeguarded false position), falling back to bisection when a trial
    /// point cannot be corrected. Stops at `|g| ≤ locationTolerance`, at a
    /// bracket of rounding width, or after `maxLocationIterations` points.
    func locateRoot(of test: ([Double]) throws -> Double, from za: [Double], to zb: [Double],
                    along d: [Double], length: Double) throws -> Location {
        var lo = 0.0, hi = length
        var glo = try test(za), ghi = try test(zb)
        var best = abs(glo) <= abs(ghi) ? (σ: lo, z: za, g: glo) : (σ: hi, z: zb, g: ghi)
        func result(converged: Bool) -> Location {
            Location(z: best.z, offset: best.σ, value: best.g, bracket: lo...hi, converged: converged)
        }
        if glo == 0 { return Location(z: za, offset: 0, value: 0, bracket: 0...0, converged: true) }
        if ghi == 0 { return Location(z: zb, offset: length, value: 0, bracket: length...length, converged: true) }
        guard (glo < 0) != (ghi < 0) else { return result(converged: false) }

        let tolerance = method.locationTolerance
        var retained = 0  // +1: lo kept last time, -1: hi kept last time (Illinois)
        for _ in 0..<method.maxLocationIterations {
            if abs(best.g) <= tolerance { return result(converged: true) }
            let scale = max(abs(lo), abs(hi), 1)
            if hi - lo <= 8 * scale * Double.ulpOfOne { return result(converged: true) }
            var σ = hi - ghi * (hi - lo) / (ghi - glo)
            if !(σ > lo && σ < hi) { σ = lo + (hi - lo) / 2 }
            statistics.locationIterations += 1
            var trial = try? point(from: za, along: d, at: σ)
            if trial == nil {
                σ = lo + (hi - lo) / 2
                statistics.locationIterations += 1
                trial = try? point(from: za, along: d, at: σ)
            }
            guard let z = trial else { return result(converged: false) }
            let g: Double
            do { g = try test(z) } catch is CorrectorBreakdown { return result(converged: false) }
            if abs(g) < abs(best.g) { best = (σ, z, g) }
            if g == 0 { lo = σ; hi = σ; return result(converged: true) }
            if (g < 0) == (ghi < 0) {
                hi = σ
                ghi = g
                if retained == 1 { glo /= 2 }
                retained = 1
            } else {
                lo = σ
                glo = g
                if retained == -1 { ghi /= 2 }
                retained = -1
            }
        }
        return result(converged: abs(best.g) <= tolerance)
    }
}
