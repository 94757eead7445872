import EBMLinearAlgebra

/// J⁺ with the directions of small eigen- or singular values dropped:
///
///     J⁺ b = Σ_{|s_i| > cutoff · max|s|} r_i (l_iᵀ b) / s_i,
///
/// from the symmetric eigendecomposition J = V Λ Vᵀ when J is symmetric
/// (l_i = r_i = v_i, s_i = λ_i; LAPACK `dsyevd`, only the lower triangle is
/// read), otherwise from the SVD J = U Σ Vᵀ (l_i = u_i, r_i = v_i,
/// s_i = σ_i; LAPACK `dgesdd`). `J⁺ b` is the minimum-norm least-squares
/// solution of J x = b on the kept directions. O(n³) to build, O(n²) per
/// application.
struct TruncatedPseudoInverse {
    /// The number of dropped directions: the numerical nullity of J.
    let dropped: Int
    private let left: [[Double]]
    private let right: [[Double]]
    private let values: [Double]

    init(_ jacobian: Matrix, isSymmetric: Bool, cutoff: Double) throws {
        precondition(jacobian.rows == jacobian.columns, "the Jacobian must be square")
        let n = jacobian.rows
        var left: [[Double]] = [], right: [[Double]] = [], values: [Double] = []
        if isSymmetric {
            let eigen = try LAPACK.symmetricEigen(jacobian)
            let largest = eigen.values.map(abs).max() ?? 0
            for (i, λ) in eigen.values.enumerated() where largest > 0 && abs(λ) > cutoff * largest {
                let v = eigen.vectors.column(i)
                left.append(v)
                right.append(v)
                values.append(λ)
            }
        } else {
            let svd = try LAPACK.singularValueDecomposition(jacobian)
            let largest = svd.values.first ?? 0
            for (i, σ) in svd.values.enumerated() where largest > 0 && σ > cutoff * largest {
                left.append(svd.u.column(i))
                right.append(svd.vt.row(i))
                values.append(σ)
            }
        }
        self.dropped = n - values.count
        self.left = left
        self.right = right
        self.values = values
    }

    /// J⁺ b.
    func apply(_ b: [Double]) -> [Double] {
        var x = [Double](repeating: 0, count: b.count)
        for k in values.indices {
            let c = Vector.dot(left[k], b) / values[k]
            for i in x.indices { x[i] += c * right[k][i] }
        }
        return x
    }
}
