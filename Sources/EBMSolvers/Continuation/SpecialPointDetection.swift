import EBMLinearAlgebra
import Foundation

/// Sign changes seen so far along a branch. A test function that is exactly
/// zero at a computed point keeps the previous non-zero sign, so a root that
/// falls on a point is reported once, in the first step that reaches the new
/// sign (located at that step's starting point).
struct SignHistory {
    var tangentParameterSign: Double
    var determinantSign: Int

    init(first point: Branch.Point) {
        tangentParameterSign = Self.sign(point.tangent.last!)
        determinantSign = point.stability.signOfDeterminant
    }

    static func sign(_ v: Double) -> Double { v > 0 ? 1 : (v < 0 ? -1 : 0) }
}

extension ContinuationEngine {
    /// The special points between consecutive points `a` (index `index`) and
    /// `b`, which the step along `d` of length `b.arclength - a.arclength`
    /// joins. Each is located to `locationTolerance` on that step.
    func specialPoints(between a: Branch.Point, and b: Branch.Point, index: Int, along d: [Double],
                       history: inout SignHistory) throws -> [SpecialPoint] {
        let n = dimension
        let za = a.x + [a.parameter], zb = b.x + [b.parameter]
        let length = b.arclength - a.arclength

        let foldSign = SignHistory.sign(b.tangent[n])
        let foldCrossed = foldSign != 0 && history.tangentParameterSign != 0
            && foldSign != history.tangentParameterSign
        if foldSign != 0 { history.tangentParameterSign = foldSign }

        var found: [SpecialPoint] = []
        func make(_ kind: SpecialPoint.Kind, _ location: Location, nullVector: Bool) throws -> SpecialPoint {
            let z = location.z
            let augmented = try augmentedJacobian(z)
            let t: [Double]
            if kind == .branchPoint {
                // At a branch point the bordered tangent system is singular and
                // any vector of the two-dimensional kernel of [F_x | F_λ] solves
                // it; the branch's own direction is the one it arrives and leaves
                // in: the tangents of the bracketing points, interpolated, then
                // projected onto that kernel.
                let θ = length > 0 ? location.offset / length : 0
                let interpolated = zip(a.tangent, b.tangent).map { $0 + θ * ($1 - $0) }
                t = try Self.projection(of: interpolated, ontoKernelOf: augmented, minimumDimension: 2)
            } else {
                t = try tangent(at: z, reference: a.tangent, augmented: augmented)
            }
            let φ = nullVector ? try self.nullVector(of: stateJacobian(augmented)) : nil
            return SpecialPoint(
                kind: kind, x: Array(z[0..<n]), parameter: z[n], arclength: a.arclength + location.offset,
                arclengthInterval: (a.arclength + location.bracket.lowerBound)...(a.arclength + location.bracket.upperBound),
                testFunction: location.value, isLocated: location.converged, tangent: t, nullVector: φ,
                stabilityBefore: a.stability, stabilityAfter: b.stability, pointIndex: index)
        }

        if foldCrossed {
            let location = try locateRoot(of: { z in try self.tangent(at: z, reference: a.tangent)[n] },
                                          from: za, to: zb, along: d, length: length)
            found.append(try make(.fold, location, nullVector: false))
        }

        switch (a.stability, b.stability) {
        case let (.negativeEigenvalues(before), .negativeEigenvalues(after)) where before != after:
            // The eigenvalue that crosses zero is, in ascending order, the
            // one with index min(before, after).
            let crossing = min(before, after)
            let location = try locateRoot(of: { z in
                let fx = self.stateJacobian(try self.augmentedJacobian(z))
                return try LAPACK.symmetricEigenvalues(fx)[crossing]
            }, from: za, to: zb, along: d, length: length)
            if !foldCrossed && abs(after - before) % 2 == 1 {
                found.append(try make(.branchPoint, location, nullVector: true))
            }
            found.append(try make(.stabilityChange, location, nullVector: false))
        case (.determinantSign, .determinantSign(let after)):
            let changed = after != 0 && history.determinantSign != 0 && after != history.determinantSign
            if after != 0 || history.determinantSign == 0 { history.determinantSign = after }
            if changed && !foldCrossed {
                let reference = try LAPACK.luFactorization(stateJacobian(try augmentedJacobian(za)))
                let logScale = reference.isExactlySingular ? 0 : reference.logAbsoluteDeterminant
                let location = try locateRoot(of: { z in
                    let lu = try LAPACK.luFactorization(self.stateJacobian(try self.augmentedJacobian(z)))
                    if lu.isExactlySingular { return 0 }
                    return Double(lu.determinantSign) * exp(lu.logAbsoluteDeterminant - logScale)
                }, from: za, to: zb, along: d, length: length)
                found.append(try make(.branchPoint, location, nullVector: true))
            }
        default:
            break
        }
        let order = SpecialPoint.Kind.allCases
        return found.sorted {
            ($0.arclength, order.firstIndex(of: $0.kind)!) < ($1.arclength, order.firstIndex(of: $1.kind)!)
        }
    }
}
