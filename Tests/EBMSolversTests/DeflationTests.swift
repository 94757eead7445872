import EBMLinearAlgebra
import EBMSolvers
import Foundation
import Testing

@Suite("deflation")
struct DeflationTests {
    /// The example's tolerances, for Newton and for accepting roots.
    static func newton() throws -> NewtonSolver {
        try NewtonSolver(residualTolerance: 1e-5, stepTolerance: 1e-5)
    }

    static func deflation() throws -> Deflation {
        try Deflation(residualTolerance: 1e-5, distanceTolerance: 1e-4)
    }

    /// The two roots the example prints, (x1, x2).
    static let shippedRoots = [["0.299449", "2.83693"], ["0.5", "3.14159"]]

    @Test("Ferraris–Tronconi from the lower-bounds guess: the first root, then the second after deflating it")
    func ferrarisTronconiBothRoots() throws {
        let roots = try Self.deflation().findRoots(
            FerrarisTronconi(), from: [FerrarisTronconi.lowerBoundsGuess], maxRoots: 10, newton: Self.newton(),
            constraints: FerrarisTronconi.constraints)
        #expect(roots.count == 2)
        #expect(roots.map { [Printed.g($0.solution[0]), Printed.g($0.solution[1])] } == Self.shippedRoots)
        #expect(roots.map(\.start) == [0, 0])
        #expect(roots.map(\.round) == [1, 2])
        #expect(roots.map(\.deflatedPoints) == [0, 1])
        for root in roots {
            #expect(root.refinement.status == .converged)
            #expect(root.refinement.residualMaxNorm <= 1e-5)
            #expect(root.images.isEmpty)
        }
    }

    @Test("images that copy or relabel a root, and more starts: still each root once")
    func ferrarisTronconiNoDuplicates() throws {
        // A copy of the root, and the root with its auxiliary unknowns
        // recomputed from (x1, x2) (the same point up to rounding): both
        // within the distance tolerance of the root itself.
        let images: ([Double]) -> [[Double]] = { u in [u, u, FerrarisTronconi.state(u[0], u[1])] }
        let starts = [
            FerrarisTronconi.lowerBoundsGuess, FerrarisTronconi.middleGuess, FerrarisTronconi.lowerBoundsGuess,
        ]
        let roots = try Self.deflation().findRoots(
            FerrarisTronconi(), from: starts, images: images, maxRoots: 10, newton: Self.newton(),
            constraints: FerrarisTronconi.constraints)
        #expect(roots.map { [Printed.g($0.solution[0]), Printed.g($0.solution[1])] } == Self.shippedRoots)
        for (i, a) in roots.enumerated() {
            for b in roots[(i + 1)...] {
                #expect(Vector.norm(Vector.difference(a.solution, b.solution)) > 1e-4)
            }
        }
        // Knowing the first root in advance, only the second is reported,
        // found in the first round.
        let first = try #require(roots.first).solution
        let rest = try Self.deflation().findRoots(
            FerrarisTronconi(), from: starts, knownRoots: [first], images: images, maxRoots: 10,
            newton: Self.newton(), constraints: FerrarisTronconi.constraints)
        #expect(rest.map { [Printed.g($0.solution[0]), Printed.g($0.solution[1])] } == [Self.shippedRoots[1]])
        #expect(rest.first?.round == 1)
        #expect(rest.first?.deflatedPoints == 1)
    }

    @Test("maxRoots stops the search")
    func maxRootsStops() throws {
        let roots = try Self.deflation().findRoots(
            FerrarisTronconi(), from: [FerrarisTronconi.lowerBoundsGuess], maxRoots: 1, newton: Self.newton(),
            constraints: FerrarisTronconi.constraints)
        #expect(roots.count == 1)
        #expect(Printed.g(roots[0].solution[0]) == "0.299449")
    }

    @Test("deflation in the quotient: one canonical form per orbit, no image ever listed")
    func quotientDeflation() throws {
        let system = MirrorSymmetricSystem()
        // x → |x| is the canonical form under x → -x (piecewise linear).
        let canonical: @Sendable ([Double]) -> [Double] = { [abs($0[0]), $0[1]] }
        let deflation = try Deflation()
        var classes: [Double] = []
        for start in [[0.8, 0.1], [-0.9, 0.2], [-1.3, -0.4], [0.1, 0.3]] {
            let roots = try deflation.findRoots(system, from: start, knownRoots: [], representative: canonical, maxRoots: 10)
            // From any start: the two orbits {±1} and {0}, each once.
            #expect(roots.count == 2)
            let found = roots.map { (abs($0.solution[0]) * 1e6).rounded() / 1e6 }.sorted()
            #expect(found == [0, 1])
            classes += found
            for root in roots { #expect(root.residualMaxNorm <= 1e-8) }
        }
        #expect(classes.count == 8)
        // A known root deflates its image too: from a start next to -1, with
        // +1 known, only the orbit of 0 is new.
        let rest = try deflation.findRoots(system, from: [-1.05, 0.0], knownRoots: [[1, 0]], representative: canonical, maxRoots: 10)
        #expect(rest.count == 1 && abs(rest[0].solution[0]) < 1e-8)
        // The deflated system's Jacobian in the quotient matches central differences.
        let deflated = try deflation.deflated(system, at: [[1, 0]], representative: canonical)
        let x = [-0.4, 0.3]
        let jacobian = try deflated.jacobian(x)
        for j in 0..<2 {
            var plus = x, minus = x
            plus[j] += 1e-6
            minus[j] -= 1e-6
            let (fp, fm) = (try deflated.residual(plus), try deflated.residual(minus))
            for i in 0..<2 {
                let difference = (fp[i] - fm[i]) / 2e-6
                #expect(abs(jacobian[i, j] - difference) <= 1e-6 * max(1, abs(difference)))
            }
        }
    }

    @Test("a mirror symmetry: the image of a root is deflated with it and never reported")
    func symmetryImages() throws {
        let system = MirrorSymmetricSystem()
        let starts: [[Double]] = [[0.8, 0.1], [-0.9, 0.2], [-1.3, -0.4]]
        let deflation = try Deflation()
        let withImages = try deflation.findRoots(
            system, from: starts, images: MirrorSymmetricSystem.images, maxRoots: 10)
        let xs = withImages.map { ($0.solution[0] * 1e6).rounded() / 1e6 }
        #expect(Set(xs).count == xs.count)
        // Each orbit once: {±1} through one representative, and 0.
        #expect(xs.filter { abs(abs($0) - 1) < 1e-6 }.count == 1)
        #expect(xs.filter { abs($0) < 1e-6 }.count == 1)
        #expect(withImages.count == 2)
        let first = try #require(withImages.first)
        #expect(first.images.count == 1)
        #expect(abs(first.images[0][0] + first.solution[0]) <= 1e-12)
        // Without the symmetry all three roots are reported, each once.
        let without = try deflation.findRoots(system, from: starts, maxRoots: 10)
        let all = without.map { ($0.solution[0] * 1e6).rounded() / 1e6 }.sorted()
        #expect(all == [-1, 0, 1])
        for root in without + withImages {
            #expect(root.refinement.residualMaxNorm <= 1e-8)
            #expect(abs(root.solution[1]) <= 1e-8)
        }
    }

    /// G = M F and ∂G = M J + F ∇Mᵀ against central differences of G.
    static func checkJacobian(_ system: DeflatedSystem, at x: [Double]) throws -> Double {
        let analytic = try system.jacobian(x)
        let n = system.dimension
        var worst = 0.0
        for j in 0..<n {
            let h = 1e-6 * max(1, abs(x[j]))
            var plus = x, minus = x
            plus[j] += h
            minus[j] -= h
            let gp = try system.residual(plus), gm = try system.residual(minus)
            let column = (0..<n).map { (gp[$0] - gm[$0]) / (2 * h) }
            let difference = Vector.norm(Vector.difference(column, analytic.column(j)))
            worst = max(worst, difference / max(Vector.norm(analytic.column(j)), 1e-8))
        }
        return worst
    }

    @Test("DeflatedSystem's Jacobian against central differences at seeded random points (relative error <= 1e-6)")
    func deflatedJacobian() throws {
        var generator = SplitMix64(seed: 20_260_529)
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * Double(generator.next() >> 11) * 0x1p-53
        }
        let ferrarisRoots = [
            FerrarisTronconi.state(0.29944870325856765, 2.836927726345963),
            FerrarisTronconi.state(0.5, 3.1415926),
        ]
        for (power, shift) in [(2.0, 1.0), (1.0, 0.0), (3.0, 0.5)] {
            let ferraris = try DeflatedSystem(FerrarisTronconi(), roots: ferrarisRoots, power: power, shift: shift)
            let circle = try DeflatedSystem(
                CircleOfRoots(), roots: [[1, 0], [0, -1], [0.6, 0.8]], power: power, shift: shift)
            #expect(!ferraris.isSymmetric && !circle.isSymmetric)
            for _ in 0..<5 {
                let u = FerrarisTronconi.state(uniform(0.25...1), uniform(1.5...6.28))
                #expect(try Self.checkJacobian(ferraris, at: u) <= 1e-6, "p = \(power), σ = \(shift), u = \(u)")
                let x = [uniform(-1.5...1.5), uniform(-1.5...1.5)]
                #expect(try Self.checkJacobian(circle, at: x) <= 1e-6, "p = \(power), σ = \(shift), x = \(x)")
            }
        }
        // M at a point: the product, computed in logarithms.
        let deflated = try DeflatedSystem(CircleOfRoots(), roots: [[1, 0], [0, 2]], power: 2, shift: 1)
        let m = deflated.deflationFactor(at: [0, 0]).value
        #expect(abs(m - (1 / 1.0 + 1) * (1 / 4.0 + 1)) <= 1e-14)
        #expect(try deflated.residual([0.5, 0.5]) == (try CircleOfRoots().residual([0.5, 0.5])).map {
            $0 * deflated.deflationFactor(at: [0.5, 0.5]).value
        })
    }
}

extension DeflationTests {
    @Test("at a deflated root G is not finite; malformed roots and images are refused")
    func deflatedRootAndInvalidInput() throws {
        let deflated = try DeflatedSystem(CircleOfRoots(), roots: [[1, 0]])
        #expect(try deflated.residual([1, 0]).contains { !$0.isFinite })
        // Newton started on a deflated root reports it, never converges there.
        let result = try NewtonSolver.standard.solve(deflated, from: [1, 0])
        #expect(!result.isConverged)
        #expect(throws: InvalidArgumentError.self) { try DeflatedSystem(CircleOfRoots(), roots: [[1, 0, 0]]) }
        #expect(throws: InvalidArgumentError.self) { try DeflatedSystem(CircleOfRoots(), roots: [], power: -2) }
        #expect(throws: InvalidArgumentError.self) {
            try Deflation().findRoots(
                MirrorSymmetricSystem(), from: [[0.8, 0.1]], images: { [$0, [$0[0]]] }, maxRoots: 2)
        }
        #expect(throws: InvalidArgumentError.self) {
            try Deflation().findRoots(MirrorSymmetricSystem(), from: [[0.8, 0.1]], knownRoots: [[1]], maxRoots: 2)
        }
    }
}

/// A small seeded generator (SplitMix64), so the random points are the same
/// on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
