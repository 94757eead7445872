import EBMCore
import EBMLinearAlgebra

/// A 2-D slice `θ = θ_c + x u + y v` of the free-parameter space, with
/// orthonormal `u`, `v`; the other coordinates stay at the centre.
public struct Plane: Sendable {
    public let center: [Double]
    public let u: [Double]
    public let v: [Double]
    /// Axis labels for outputs (`W[0,0]`, or `u`, `v`).
    public let xName: String
    public let yName: String

    public init(center: [Double], u: [Double], v: [Double], xName: String = "x", yName: String = "y") throws {
        precondition(center.count == u.count && u.count == v.count, "plane vectors of different lengths")
        // Gram–Schmidt, so any two independent directions give a plane.
        let nu = Vector.norm(u)
        guard nu > 0 else { throw PlaneError("the first direction of the plane is zero") }
        let e1 = u.map { $0 / nu }
        let projection = Vector.dot(v, e1)
        let w = zip(v, e1).map { $0 - projection * $1 }
        let nw = Vector.norm(w)
        guard nw > 1e-12 * max(1, Vector.norm(v)) else {
            throw PlaneError("the two directions of the plane are parallel; choose points or axes that span a plane")
        }
        self.center = center
        self.u = e1
        self.v = w.map { $0 / nw }
        self.xName = xName
        self.yName = yName
    }

    /// The plane of two parameters (by index in the free parameters).
    public static func axes(center: [Double], x: Int, y: Int, names: [String]) throws -> Plane {
        var u = [Double](repeating: 0, count: center.count), v = u
        u[x] = 1
        v[y] = 1
        return try Plane(center: center, u: u, v: v, xName: names[x], yName: names[y])
    }

    /// Through three points: centred on the first, spanned by the other two.
    public static func through(_ a: [Double], _ b: [Double], _ c: [Double]) throws -> Plane {
        try Plane(center: a, u: Vector.difference(b, a), v: Vector.difference(c, a), xName: "u", yName: "v")
    }

    /// Random orthonormal directions from a seed.
    public static func random(center: [Double], seed: UInt64) throws -> Plane {
        var g = SeededGenerator(seed: seed)
        let u = center.map { _ in g.nextNormal() }
        let v = center.map { _ in g.nextNormal() }
        return try Plane(center: center, u: u, v: v, xName: "u", yName: "v")
    }

    public func point(_ x: Double, _ y: Double) -> [Double] {
        (0..<center.count).map { center[$0] + x * u[$0] + y * v[$0] }
    }

    /// Plane coordinates of the orthogonal projection of θ.
    public func coordinates(of theta: [Double]) -> (x: Double, y: Double) {
        let d = Vector.difference(theta, center)
        return (Vector.dot(d, u), Vector.dot(d, v))
    }
}

public struct PlaneError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `n` evenly spaced values covering `range` (both ends included).
public func gridValues(_ range: ClosedRange<Double>, count n: Int) -> [Double] {
    precondition(n >= 2)
    return (0..<n).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(n - 1) }
}
