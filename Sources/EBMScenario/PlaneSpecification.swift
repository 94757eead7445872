/// A 2-D plane `θ = θ_c + x u + y v` through parameter space, for basin maps
/// and phase portraits (docs/analyses.md, basins and portrait).
public enum PlaneSpecification: Sendable, Equatable {
    /// The point `θ_c` the plane passes through.
    public enum Center: String, Sendable, Equatable, CaseIterable {
        /// The initial parameters.
        case initialization = "init"
        /// The end of the trajectory.
        case end
        /// The first fixed point of the catalog.
        case catalog
    }

    /// `{x: NAME, y: NAME, center: ...}`: `u` and `v` are the unit vectors of
    /// two distinct parameters.
    case axes(x: String, y: String, center: Center)
    /// `{fixed_points: [i, j, k]}`: the plane through three fixed points of
    /// the catalog (by index), centred on the first.
    case fixedPoints([Int])
    /// `{random: SEED, center: ...}`: two random orthonormal directions.
    case random(seed: UInt64, center: Center)
}

/// The rectangle `x ∈ [x.lowerBound, x.upperBound]`, `y ∈ ...` of plane
/// coordinates that a map covers; each with lower < upper.
public struct PlaneRange: Sendable, Equatable {
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>

    public init(x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.x = x
        self.y = y
    }
}

/// Grid points along x and along y, written `[nx, ny]`.
public struct GridSize: Sendable, Equatable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }

    /// At most `most` points along each axis (quick runs shrink grids so).
    public func capped(at most: Int) -> GridSize {
        GridSize(x: min(x, most), y: min(y, most))
    }
}

extension PlaneSpecification {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> PlaneSpecification? {
        guard let map = reader.map(node) else { return nil }
        let forms = "a plane is {x: NAME, y: NAME, center: init|end|catalog}, {fixed_points: [i, j, k]} "
            + "or {random: SEED, center: init|end|catalog}"
        let center: Center = reader.value(map["center"]) { reader.choice($0, "plane center") } ?? .initialization

        if let points = map["fixed_points"] {
            reader.rejectUnknownKeys(in: map, validKeys: ["fixed_points"])
            guard let indices = reader.distinctIntegers(points, noun: "fixed point", range: 0...Int.max,
                                                        rangeRule: "fixed points are numbered from 0") else {
                return nil
            }
            guard indices.count == 3 else {
                reader.report("expected 3 fixed points (the plane through them), got \(indices.count)", about: points)
                return nil
            }
            return .fixedPoints(indices)
        }
        if let seed = map["random"] {
            reader.rejectUnknownKeys(in: map, validKeys: ["random", "center"])
            return reader.seed(seed).map { .random(seed: $0, center: center) }
        }
        reader.rejectUnknownKeys(in: map, validKeys: ["x", "y", "center", "fixed_points", "random"])
        let x = reader.required("x", in: map, forms).flatMap(reader.parameterName)
        let y = reader.required("y", in: map, forms).flatMap(reader.parameterName)
        guard let x, let y else { return nil }
        if x == y, let node = map["y"] {
            reader.report("x and y name the same parameter `\(x)`; a plane needs two", about: node)
        }
        return .axes(x: x, y: y, center: center)
    }
}

extension PlaneRange {
    static func decode(_ node: ScenarioNode, reader: ScenarioReader) -> PlaneRange? {
        guard let map = reader.block(node, keys: ["x", "y"]) else { return nil }
        let x = reader.required("x", in: map, "the interval [lo, hi] of x").flatMap { interval($0, reader: reader) }
        let y = reader.required("y", in: map, "the interval [lo, hi] of y").flatMap { interval($0, reader: reader) }
        guard let x, let y else { return nil }
        return PlaneRange(x: x, y: y)
    }

    /// `[lo, hi]` with lo < hi.
    private static func interval(_ node: ScenarioNode, reader: ScenarioReader) -> ClosedRange<Double>? {
        guard let bounds = reader.list(node, of: reader.number) else { return nil }
        guard bounds.count == 2 else {
            reader.report("expected an interval [lo, hi] (2 numbers), got \(bounds.count) numbers", about: node)
            return nil
        }
        guard bounds[0] < bounds[1] else {
            let written = bounds.map(ScenarioReader.format).joined(separator: ", ")
            reader.report("the interval [\(written)] is empty: write [lo, hi] with lo < hi", about: node)
            return nil
        }
        return bounds[0]...bounds[1]
    }
}

extension GridSize {
    /// `[nx, ny]`, each at least `minimum`.
    static func decode(_ node: ScenarioNode, minimum: Int, reader: ScenarioReader) -> GridSize? {
        let rule: (Int) -> String? = { $0 >= minimum ? nil : "a grid needs at least \(minimum) points per axis" }
        guard let sizes = reader.list(node, of: { reader.value($0, reader.integer, rule) }) else { return nil }
        guard sizes.count == 2 else {
            reader.report("expected [nx, ny] (2 integers), got \(sizes.count) numbers", about: node)
            return nil
        }
        return GridSize(x: sizes[0], y: sizes[1])
    }
}
