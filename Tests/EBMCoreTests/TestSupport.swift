import EBMCore
import EBMLinearAlgebra

/// `|a - b| / max(|b|, floor)` in the Euclidean norm.
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-12) -> Double {
    Vector.norm(Vector.difference(a, b)) / max(Vector.norm(b), floor)
}

/// Central difference of a vector function along direction v.
func centralDifference(_ f: ([Double]) -> [Double], at x: [Double], along v: [Double], step h: Double = 1e-5) -> [Double] {
    let plus = f(zip(x, v).map { $0 + h * $1 })
    let minus = f(zip(x, v).map { $0 - h * $1 })
    return zip(plus, minus).map { ($0 - $1) / (2 * h) }
}

func randomVector(_ count: Int, scale: Double, seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in scale * g.nextNormal() }
}

func unitVector(_ count: Int, _ j: Int) -> [Double] {
    var v = [Double](repeating: 0, count: count)
    v[j] = 1
    return v
}

func randomTarget(spins: Int, seed: UInt64 = 7) throws -> Target {
    try Target.random(spins: spins, seed: seed, orders: Array(1...spins),
                      scales: (1...spins).map { 0.8 / Double($0) })
}
