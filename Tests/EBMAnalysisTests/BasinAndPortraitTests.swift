import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

@Suite struct BasinAndPortraitTests {
    static let method = GradientFlowMethod(relativeTolerance: 1e-8, absoluteTolerance: 1e-10)

    /// A square map on `threads` local threads.
    static func map(_ objective: LearningObjective, plane: Plane, axis: [Double], maximumTime: Double, tolerance: Double,
                    threads: Int) throws -> BasinMap {
        let units = BasinRowUnits(objective: objective, method: method, plane: plane, xs: axis, ys: axis, maximumTime: maximumTime,
                                  tolerance: tolerance, threads: threads)
        return try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(),
                            scheduler: LocalScheduler(threads: threads))
    }

    /// The full model is convex: every start reaches the single fixed point.
    @Test func convexModelHasOneBasin() throws {
        let target = try Target.random(spins: 3, seed: 4, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let model = GeneralisedIsingModel(spins: 3, order: 3)
        let objective = LearningObjective(model: model, target: target)
        let plane = try Plane.axes(center: [Double](repeating: 0, count: 7), x: 0, y: 3, names: model.parameterNames)
        let axis = gridValues(-2...2, count: 6)
        let map = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2)
        #expect(map.fractions == [.attractor(0): 1.0])
        #expect(map.attractors.count == 1 && map.catalog.points.count == 1)
        #expect(map.catalog.points[0].kind == .dataConsistent && map.catalog.points[0].type == .sink)
        #expect(map.boundaryFraction == 0 && map.basinEntropy() == 0)
        #expect(map.times.joined().allSatisfy { $0 != nil })
    }

    /// rbm(h=1) on 3 spins (P = 7 = 2³ - 1, so data-consistent points are
    /// isolated) learning a target that an rbm(h=1) represents: its two
    /// data-consistent points are images under the flip (b, W) -> -(b, W),
    /// which maps the plane of W[0,0] and b[0] through the origin onto
    /// itself as (x, y) -> (-x, -y): the map is point-symmetric.
    @Test func rbmBasinsArePointSymmetric() throws {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let teacher = [0.2, -0.1, 0.3, 0.4, 1.1, -0.8, 0.6]
        let target = try Target(spins: 3, unnormalisedLogProbabilities: model.evaluate(teacher).energies.map { -$0 })
        let objective = LearningObjective(model: model, target: target)
        let names = model.parameterNames
        let plane = try Plane.axes(center: [Double](repeating: 0, count: model.parameterCount),
                                   x: names.firstIndex(of: "W[0,0]")!, y: names.firstIndex(of: "b[0]")!, names: names)
        let axis = gridValues(-2...2, count: 9)
        let map = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-9, threads: 2)
        func flipped(_ theta: [Double]) -> [Double] { Array(theta[0..<3]) + theta[3...].map { -$0 } }
        let n = axis.count
        for j in 0..<n {
            for i in 0..<n {
                guard case let .attractor(k) = map.labels[j][i], case let .attractor(m) = map.labels[n - 1 - j][n - 1 - i] else {
                    #expect(map.labels[j][i] == map.labels[n - 1 - j][n - 1 - i])
                    continue
                }
                let mirror = flipped(map.attractors[k].representative)
                #expect(Vector.maxAbs(Vector.difference(mirror, map.attractors[m].representative)) < 1e-4)
            }
        }
        let dataConsistent = map.fractions.filter { label, _ in
            if case let .attractor(k) = label { return map.catalog.points[map.attractors[k].catalogIndex].kind == .dataConsistent }
            return false
        }
        #expect(dataConsistent.count == 2)
        let values = Array(dataConsistent.values)
        #expect(abs(values[0] - values[1]) <= 1.0 / Double(n * n) + 1e-12)
        // Both images are one fixed point modulo symmetry.
        let catalogIds = Set(dataConsistent.keys.compactMap { label -> Int? in
            if case let .attractor(k) = label { return map.attractors[k].catalogIndex }
            return nil
        })
        #expect(catalogIds.count == 1)
    }

    @Test func mapDoesNotDependOnThreads() throws {
        let target = try Target.random(spins: 3, seed: 8, orders: [1, 2, 3], scales: [0.5, 0.5, 0.4])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let objective = LearningObjective(model: model, target: target)
        let plane = try Plane.random(center: [Double](repeating: 0, count: model.parameterCount), seed: 3)
        let axis = gridValues(-1.5...1.5, count: 7)
        func run(_ threads: Int) throws -> BasinMap {
            try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e3, tolerance: 1e-8, threads: threads)
        }
        let one = try run(1), two = try run(2)
        #expect(one.labels == two.labels)
        #expect(one.times == two.times)
        #expect(one.attractors.map(\.representative) == two.attractors.map(\.representative))
    }

    /// field.dat's vectors are the projection of -∇L, and nullcline segments
    /// lie where the projected component changes sign.
    @Test func portraitFieldAndNullclines() throws {
        let target = try Target.random(spins: 3, seed: 2, orders: [1, 2], scales: [0.5, 0.5])
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let objective = LearningObjective(model: model, target: target)
        var g = SeededGenerator(seed: 1)
        let center = (0..<model.parameterCount).map { _ in 0.3 * g.nextNormal() }
        let plane = try Plane.axes(center: center, x: 3, y: 4, names: model.parameterNames)
        let xs = gridValues(-2...2, count: 15), ys = gridValues(-2...2, count: 13)
        let portrait = try PhasePortrait.compute(objective: objective, method: Self.method, plane: plane, xs: xs, ys: ys,
                                                 orbitStarts: [(0.5, 0.5), (-1, 1)], orbitTime: 50, orbitSamples: 30)
        for (j, y) in ys.enumerated() {
            for (i, x) in xs.enumerated() {
                let gradient = objective.evaluate(plane.point(x, y)).gradient
                #expect(abs(portrait.field[j][i].dx + gradient[3]) < 1e-14)
                #expect(abs(portrait.field[j][i].dy + gradient[4]) < 1e-14)
            }
        }
        #expect(!portrait.nullclines.x.isEmpty)
        // The projected component at a segment's ends is small compared with the field's scale,
        // and it takes both signs across the cell that holds the segment.
        let scale = portrait.field.joined().map { abs($0.dx) }.max()!
        for s in portrait.nullclines.x {
            for (x, y) in [(s.x0, s.y0), (s.x1, s.y1)] {
                let value = -objective.evaluate(plane.point(x, y)).gradient[3]
                #expect(abs(value) < 0.05 * scale)
            }
        }
        #expect(portrait.orbits.count == 2 && portrait.orbits[0].count == 30)
        #expect(portrait.orbits[0][0].x == 0.5 && portrait.orbits[0][0].y == 0.5)
    }

    @Test func marchingSquaresOnALinearFunction() {
        let xs = gridValues(-1...1, count: 5), ys = gridValues(-1...1, count: 5)
        let f = ys.map { y in xs.map { x in x + 2 * y - 0.1 } }
        let segments = PhasePortrait.zeroContour(f, xs: xs, ys: ys)
        #expect(!segments.isEmpty)
        for s in segments {
            #expect(abs(s.x0 + 2 * s.y0 - 0.1) < 1e-12 && abs(s.x1 + 2 * s.y1 - 0.1) < 1e-12)
        }
    }
}
