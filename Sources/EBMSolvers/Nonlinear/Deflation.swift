import EBMLinearAlgebra

/// Deflation (Farrell, Birkisson & Funke 2015): after roots r_1 … r_m of F
/// are known, Newton on
///
///     G(x) = M(x) F(x),   M(x) = Π_i (|x - r_i|^{-p} + σ)
///
/// from the same start converges to a new root (see `DeflatedSystem`). The
/// method value: power p (default 2), shift σ (default 1), and the
/// tolerances by which a point is a root (|F|∞ on the *undeflated* system)
/// and two roots are one (Euclidean distance).
public struct Deflation: Sendable, Equatable {
    /// p > 0.
    public let power: Double
    /// σ >= 0.
    public let shift: Double
    /// > 0: a refined point is a root when |F|∞ <= this.
    public let residualTolerance: Double
    /// > 0: a root within this distance of a known root or image is that
    /// root.
    public let distanceTolerance: Double

    /// - Throws: `InvalidArgumentError` naming the first option out of range.
    public init(
        power: Double = 2, shift: Double = 1, residualTolerance: Double = 1e-8, distanceTolerance: Double = 1e-6
    ) throws {
        func refuse(_ option: String, _ reason: String) -> InvalidArgumentError {
            InvalidArgumentError(argument: "Deflation.\(option)", reason: reason)
        }
        guard power > 0, power.isFinite else { throw refuse("power", "must be positive and finite, got \(power)") }
        guard shift >= 0, shift.isFinite else {
            throw refuse("shift", "must be non-negative and finite, got \(shift)")
        }
        guard residualTolerance > 0, residualTolerance.isFinite else {
            throw refuse("residualTolerance", "must be positive and finite, got \(residualTolerance)")
        }
        guard distanceTolerance > 0, distanceTolerance.isFinite else {
            throw refuse("distanceTolerance", "must be positive and finite, got \(distanceTolerance)")
        }
        self.power = power
        self.shift = shift
        self.residualTolerance = residualTolerance
        self.distanceTolerance = distanceTolerance
    }

    /// `system` deflated at `roots` with this power and shift (distances
    /// between `representative`s when given: see `DeflatedSystem`).
    public func deflated(_ system: any NonlinearSystem, at roots: [[Double]],
                         representative: (@Sendable ([Double]) -> [Double])? = nil) throws -> DeflatedSystem {
        try DeflatedSystem(system, roots: roots, power: power, shift: shift, representative: representative)
    }

    /// Finds roots of `system` from one start by repeated deflated Newton in
    /// the quotient by F's symmetries: a root is deflated, and compared with
    /// the known ones, through its `representative` (its canonical form), so
    /// no orbit is ever listed. Newton on F deflated at `knownRoots` and
    /// every root found so far; each converged point is refined on F and
    /// kept when it is a root not yet known; at most `maxRoots`. `shouldStop`
    /// is asked between solves (a stop throws `DeflationStopped`).
    public func findRoots(
        _ system: any NonlinearSystem,
        from start: [Double],
        knownRoots: [[Double]],
        representative: @escaping @Sendable ([Double]) -> [Double],
        maxRoots: Int,
        newton: some NewtonMethod = NewtonSolver.standard,
        shouldStop: () -> Bool = { false }
    ) throws -> [NewtonResult] {
        var deflatedPoints = knownRoots
        var known = knownRoots.map(representative)
        var found: [NewtonResult] = []
        while found.count < maxRoots {
            if shouldStop() { throw DeflationStopped() }
            let deflatedResult = try newton.solve(
                try deflated(system, at: deflatedPoints, representative: representative), from: start, constraints: nil)
            guard deflatedResult.isConverged else { break }
            let refined = try newton.solve(system, from: deflatedResult.solution, constraints: nil)
            let t = representative(refined.solution)
            guard refined.isConverged, refined.residualMaxNorm <= residualTolerance,
                  !known.contains(where: { Vector.norm(Vector.difference($0, t)) <= distanceTolerance * max(1, Vector.norm(t)) })
            else { break }
            deflatedPoints.append(refined.solution)
            known.append(t)
            found.append(refined)
        }
        return found
    }

    /// Finds roots of `system` by repeated deflated Newton from each start.
    ///
    /// From each start in turn: Newton (`newton`) on F deflated at every
    /// point known so far; if it converges, the point is refined by Newton on
    /// the undeflated F and accepted when that converges with
    /// |F|∞ <= `residualTolerance` and lies farther than `distanceTolerance`
    /// from every known point. The new root and every image of it under
    /// `images` (symmetries of F; the identity by default) are deflated, and
    /// Newton runs again from the same start; the start is done when Newton
    /// fails, the refined point is not a root, or it is a point already
    /// known. `knownRoots` and their images are deflated from the outset and
    /// never reported. No root, and no image of a root, is reported twice.
    ///
    /// - Parameters:
    ///   - starts: initial guesses, each of `system.dimension` entries.
    ///   - knownRoots: roots to deflate from the start.
    ///   - images: the symmetry images of a root (it may include the root
    ///     itself, which is always deflated).
    ///   - maxRoots: stop after this many new roots.
    ///   - newton: the Newton method, for the deflated and the refining solves.
    ///   - constraints: sign constraints kept by every iterate.
    /// - Returns: the new roots in the order found.
    /// - Throws: the system's own errors and the Newton method's, as they are;
    ///   `InvalidArgumentError` for a known root or an image without
    ///   `system.dimension` finite entries, or a negative `maxRoots`.
    public func findRoots(
        _ system: any NonlinearSystem,
        from starts: [[Double]],
        knownRoots: [[Double]] = [],
        images: ([Double]) -> [[Double]] = { [$0] },
        maxRoots: Int,
        newton: some NewtonMethod = NewtonSolver.standard,
        constraints: [SignConstraint]? = nil
    ) throws -> [DeflationRoot] {
        guard maxRoots >= 0 else {
            throw InvalidArgumentError(argument: "maxRoots", reason: "must be non-negative, got \(maxRoots)")
        }
        let n = system.dimension
        for (i, root) in knownRoots.enumerated() where root.count != n {
            throw InvalidArgumentError(
                argument: "knownRoots[\(i)]", reason: "has \(root.count) components, the system has dimension \(n)")
        }
        var deflatedPoints: [[Double]] = []
        func isKnown(_ x: [Double]) -> Bool {
            deflatedPoints.contains { Vector.norm(Vector.difference($0, x)) <= distanceTolerance }
        }
        /// Adds `root` and its images not yet known; returns the images added.
        @discardableResult
        func deflate(_ root: [Double]) throws -> [[Double]] {
            var added: [[Double]] = []
            for (k, point) in ([root] + images(root)).enumerated() {
                guard point.count == n, point.allSatisfy(\.isFinite) else {
                    throw InvalidArgumentError(
                        argument: "images", reason: "gave \(point) for the root \(root): not \(n) finite numbers")
                }
                if isKnown(point) { continue }
                deflatedPoints.append(point)
                if k > 0 { added.append(point) }
            }
            return added
        }
        for root in knownRoots { try deflate(root) }

        var found: [DeflationRoot] = []
        for (startIndex, start) in starts.enumerated() {
            var round = 0
            while found.count < maxRoots {
                round += 1
                let deflatedCount = deflatedPoints.count
                let deflatedResult = try newton.solve(
                    try deflated(system, at: deflatedPoints), from: start, constraints: constraints)
                guard deflatedResult.isConverged else { break }
                let refined = try newton.solve(system, from: deflatedResult.solution, constraints: constraints)
                guard refined.isConverged, refined.residualMaxNorm <= residualTolerance,
                    !isKnown(refined.solution)
                else { break }
                let imagesAdded = try deflate(refined.solution)
                found.append(DeflationRoot(
                    solution: refined.solution, start: startIndex, round: round, deflatedPoints: deflatedCount,
                    refinement: refined, images: imagesAdded))
            }
            if found.count >= maxRoots { break }
        }
        return found
    }
}

/// A deflation stopped between solves at a stop request.
public struct DeflationStopped: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "deflation stopped at a stop request" }
}
