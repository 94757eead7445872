import Foundation
import Testing
import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

@Suite struct BasinAndPortraitTests {
    static let method = GradientFlowMethod(relativeTolerance: 1e-8, absoluteTolerance: 1e-10)

    /// A square map on `threads` local threads.
    static func map(_ objective: LearningObjective, plane: Plane, axis: [Double], maximumTime: Double, tolerance: Double,
                    threads: Int, certify: Bool = false, refine: Bool = false,
                    identity: AttractorIdentity = .parameters) throws -> BasinMap {
        let units = BasinRowUnits(objective: objective, method: method, plane: plane, xs: axis, ys: axis, maximumTime: maximumTime,
                                  tolerance: tolerance, threads: threads, certify: certify, refine: refine)
        return try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(), identity: identity,
                            scheduler: LocalScheduler(threads: threads))
    }

    /// scenarios/basins-rbm.yaml's problem: rbm(h=1) on 3 spins learning an
    /// rbm(h=1) teacher, on the plane of W[0,0] and b[0] through the origin.
    static func basinsRBM() throws -> (LearningObjective, Plane) {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let teacher = [0.2, -0.1, 0.3, 0.4, 1.1, -0.8, 0.6]
        let target = try Target(spins: 3, unnormalisedLogProbabilities: model.evaluate(teacher).energies.map { -$0 })
        let names = model.parameterNames
        let plane = try Plane.axes(center: [Double](repeating: 0, count: model.parameterCount),
                                   x: names.firstIndex(of: "W[0,0]")!, y: names.firstIndex(of: "b[0]")!, names: names)
        return (LearningObjective(model: model, target: target), plane)
    }

    /// scenarios/demo.yaml's problem: rbm(h=4) on a random 4-spin target,
    /// on the plane of W[0,0] and W[0,1] through its initial point.
    static func demo() throws -> (LearningObjective, Plane) {
        let target = try Target.random(spins: 4, seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2])
        let model = RestrictedBoltzmannMachine(spins: 4, hidden: 4)
        var g = SeededGenerator(seed: 1)
        let center = (0..<model.parameterCount).map { _ in 1e-3 * g.nextNormal() }
        let names = model.parameterNames
        let plane = try Plane.axes(center: center, x: names.firstIndex(of: "W[0,0]")!, y: names.firstIndex(of: "W[0,1]")!,
                                   names: names)
        return (LearningObjective(model: model, target: target), plane)
    }

    /// Certified stopping labels every start as integrating it to
    /// convergence does, on the shipped maps' problems (coarser grids, the
    /// shipped tolerances). On basins-rbm it does stop starts (the test is
    /// not vacuous); the demo gets no region (its sinks form a manifold, and
    /// no KL level is a certificate: `escapesFallBelowAnyKLLevelTheFixedPointsAllow`).
    @Test(arguments: [false, true]) func certifiedStoppingKeepsEveryLabel(demo: Bool) throws {
        let (objective, plane) = demo ? try Self.demo() : try Self.basinsRBM()
        let axis = gridValues(-3...3, count: demo ? 7 : 12)
        let identity: AttractorIdentity = demo ? .effectiveModel : .parameters
        let tolerance = demo ? 1e-9 : 1e-8
        let plain = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: tolerance, threads: 2,
                                 identity: identity)
        let certified = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: tolerance, threads: 2,
                                     certify: true, identity: identity)
        #expect(certified.labels == plain.labels)
        #expect(plain.certificates.isEmpty && plain.certifiedCount == 0)
        if demo {
            #expect(plain.labels.joined().contains(.escaped))
            #expect(certified.certificates.isEmpty)
        } else {
            #expect(!certified.certificates.isEmpty && certified.certifiedCount > 0)
        }
    }

    /// Why the data-consistent manifold gets no KL region: on the demo's
    /// problem a start escapes to infinity while its KL falls below half
    /// that of the product-model fixed point, the level such a region would
    /// take from the known fixed points, so the region would label it
    /// data-consistent. No certificate is issued for the manifold (its
    /// sinks are degenerate: no ball either).
    @Test func escapesFallBelowAnyKLLevelTheFixedPointsAllow() throws {
        let (objective, plane) = try Self.demo()
        let mapper = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-9,
                                      limitTime: 1e6)
        // The demo's 40 x 40 cell (32, 11).
        let axis = gridValues(-3...3, count: 40)
        guard case let .escaped(escapedEnd) = mapper.outcome(from: plane.point(axis[32], axis[11]), certified: false) else {
            Issue.record("the start does not escape"); return
        }
        guard case let .converged(consistent, _) = mapper.outcome(from: plane.point(0, 0), certified: false) else {
            Issue.record("the demo's initial point does not converge"); return
        }
        // W = 0, b = 0, a = atanh(m): the product of the target's marginals, a fixed point.
        let model = objective.model, n = 4
        let spin = (0..<n).map { i -> [Double] in
            var theta = [Double](repeating: 0, count: model.parameterCount)
            theta[i] = 1  // a[i]: E(x) = -s_i(x) - 4 log 2
            return model.evaluate(theta).energies.map { -$0 - 4 * log(2.0) }
        }
        var product = [Double](repeating: 0, count: model.parameterCount)
        for i in 0..<n { product[i] = atanh(zip(objective.target.probabilities, spin[i]).reduce(0) { $0 + $1.0 * $1.1 }) }
        let productKL = objective.evaluate(product).loss - objective.evaluate(consistent).loss
        #expect(Vector.norm(objective.evaluate(product).gradient) < 1e-12 && productKL > 0)
        #expect(objective.evaluate(escapedEnd).loss - objective.evaluate(consistent).loss < productKL / 2)

        // Neither end gets a ball: the consistent one is a degenerate sink
        // (a manifold), the product model a saddle.
        let ends: [BasinOutcome] = [.converged(state: consistent, time: 1), .converged(state: product, time: 1)]
        #expect(AttractorCertificate.certify(ends: ends, objective: objective, identity: .effectiveModel, matchTolerance: 1e-6)
                    .isEmpty)
    }

    /// A start that looks like an escape over the decade before t_max but
    /// converges later is continued and labelled by where it ends: the
    /// demo's start at W[0,0] = 2.619, W[0,1] = -1.095 (a cell of a 64 x 64
    /// map of the demo's plane that earlier builds called escaped) reaches the data-consistent manifold near
    /// t = 3e4.
    @Test func apparentEscapeAtTMaxIsContinued() throws {
        let (objective, plane) = try Self.demo()
        let axis = gridValues(-3...3, count: 64)
        let start = plane.point(axis[59], axis[20])
        let mapper = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-9,
                                     limitTime: 1e6)
        guard case let .converged(end, time) = mapper.outcome(from: start, certified: false) else {
            Issue.record("the start did not converge by t_limit = 1e6"); return
        }
        #expect(time > 1e4)
        let point = try FixedPoint.classify(end, objective: objective, tolerances: ClassificationTolerances(), foundBy: "test")
        #expect(point.kind == .dataConsistent)
        // With t_limit = t_max the same start is judged at t_max, over the decade before it.
        let early = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-9, limitTime: 1e4)
        guard case .escaped = early.outcome(from: start, certified: false) else {
            Issue.record("at t_max = 1e4 the start no longer looks like an escape: the test lost its point"); return
        }
    }

    /// Refinement reproduces the full map on scenarios/basins-rbm.yaml's
    /// problem (the shipped map that refines; with certification, as it
    /// runs), inferring most of it.
    @Test func refinementReproducesTheFullMap() throws {
        let (objective, plane) = try Self.basinsRBM()
        let axis = gridValues(-3...3, count: 41)
        let full = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2, certify: true)
        let refined = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2,
                                   certify: true, refine: true)
        #expect(refined.labels == full.labels)
        #expect(refined.inferredCount > axis.count * axis.count / 2 && full.inferredCount == 0)
    }

    /// With certification the map still does not depend on the threads
    /// (the survey's certificates are fixed before any row runs, and those
    /// learned later between blocks of rows).
    @Test func certifiedMapDoesNotDependOnThreads() throws {
        let (objective, plane) = try Self.basinsRBM()
        let axis = gridValues(-3...3, count: 8)
        let one = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 1, certify: true)
        let two = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2, certify: true)
        #expect(one.certificates == two.certificates)
        #expect(one.labels == two.labels && one.labelTimes == two.labelTimes)
        #expect(one.attractors.map(\.representative) == two.attractors.map(\.representative))
    }

    /// Attractors are learned as the map runs: with no survey certificate
    /// at all (as when the survey misses a basin), the ends of the first
    /// blocks of rows certify their sinks and later rows stop in them. The
    /// labels are those of integrating every start to convergence; the
    /// learned certificates, labels and times do not depend on the threads,
    /// nor on an interruption inside a block followed by a resume.
    @Test func attractorsAreLearnedAsTheMapRuns() throws {
        let (objective, plane) = try Self.basinsRBM()
        let axis = gridValues(-3...3, count: 12)
        func learning(threads: Int, stop: StopCondition = .never, completed: [Int: [BasinCell]] = [:],
                      onRow: ((Int, [BasinCell]) throws -> Void)? = nil) throws -> BasinMap {
            let units = BasinRowUnits(objective: objective, method: Self.method, plane: plane, xs: axis, ys: axis,
                                      maximumTime: 1e4, tolerance: 1e-8, threads: threads, certify: true, certificates: [])
            return try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(),
                                scheduler: LocalScheduler(threads: threads), stop: stop, completedRows: completed, onRow: onRow)
        }
        let one = try learning(threads: 1), two = try learning(threads: 2)
        let plain = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2)
        #expect(!one.certificates.isEmpty && one.certifiedCount > 0 && one.surveyCertificates == 0)
        #expect(one.labels == plain.labels)
        #expect(one.certificates == two.certificates && one.labels == two.labels && one.labelTimes == two.labelTimes
                && one.times == two.times)
        // Every start is a cell of this map, so it meets every attractor the survey meets.
        let surveyed = try Self.map(objective, plane: plane, axis: axis, maximumTime: 1e4, tolerance: 1e-8, threads: 2,
                                    certify: true)
        #expect(one.certificates.count >= surveyed.certificates.count && surveyed.surveyCertificates > 0)

        // Stopped after 4 rows, inside the block of rows 3..<6, then resumed from the saved rows.
        #expect(BasinRowUnits.learningBlocks(12) == [0..<1, 1..<2, 2..<3, 3..<6, 6..<12])
        let flag = StopFlag()
        var saved: [Int: [BasinCell]] = [:]
        #expect(throws: AnalysisInterrupted.self) {
            _ = try learning(threads: 1, stop: flag.condition) { unit, row in
                saved[unit] = row
                if saved.count == 4 { flag.raise() }
            }
        }
        #expect(saved.count == 4)
        let resumed = try learning(threads: 2, completed: saved)
        #expect(resumed.certificates == one.certificates && resumed.labels == one.labels
                && resumed.labelTimes == one.labelTimes && resumed.times == one.times)
    }

    /// A model with a Hessian bound runs a certified pass in its learning
    /// blocks (one scheduler run each, after the survey's); one with none
    /// (an MLP: no ball is possible) in one run after the survey's, with no
    /// waits at block ends.
    @Test func passesRunInLearningBlocksOnlyWhereBallsArePossible() throws {
        final class CountingScheduler: WorkScheduler {
            let local = LocalScheduler(threads: 2)
            var runs = 0
            var threads: Int { local.threads }
            var layout: String { local.layout }
            func run<Kind: WorkUnitKind>(_ kind: Kind, units: [Int], stop: StopCondition,
                                         onResult: (Int, Kind.Record) throws -> Void) throws {
                runs += 1
                try local.run(kind, units: units, stop: stop, onResult: onResult)
            }
        }
        let axis = gridValues(-1...1, count: 6)
        func runs(_ model: any EnergyModel) throws -> Int {
            let target = try Target.random(spins: 3, seed: 5, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
            let objective = LearningObjective(model: model, target: target)
            let plane = try Plane.axes(center: [Double](repeating: 0.1, count: model.parameterCount), x: 0, y: 1,
                                       names: model.parameterNames)
            let units = BasinRowUnits(objective: objective, method: Self.method, plane: plane, xs: axis, ys: axis,
                                      maximumTime: 1e3, tolerance: 1e-8, threads: 2, certify: true)
            let scheduler = CountingScheduler()
            _ = try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(), scheduler: scheduler)
            return scheduler.runs
        }
        #expect(try runs(RestrictedBoltzmannMachine(spins: 3, hidden: 1)) == 1 + BasinRowUnits.learningBlocks(6).count)
        #expect(try runs(MultilayerPerceptron(spins: 3, widths: [2])) == 2)
    }

    /// A stop is honoured between the starts of a row: the row it lands in
    /// is not delivered (it is computed again on resuming), where a row
    /// used to run to its end first (the demo's rows of 200 starts made a
    /// Ctrl-C wait seconds).
    @Test func stopLandsBetweenTheStartsOfARow() throws {
        let model = RestrictedBoltzmannMachine(spins: 3, hidden: 1)
        let target = try Target.random(spins: 3, seed: 5, orders: [1, 2, 3], scales: [0.5, 0.4, 0.3])
        let objective = LearningObjective(model: model, target: target)
        let plane = try Plane.axes(center: [Double](repeating: 0.1, count: model.parameterCount), x: 0, y: 1,
                                   names: model.parameterNames)
        let axis = gridValues(-1...1, count: 20)
        let units = BasinRowUnits(objective: objective, method: Self.method, plane: plane, xs: axis, ys: Array(axis.prefix(2)),
                                  maximumTime: 1e3, tolerance: 1e-8, threads: 1, certify: false)
        // The scheduler asks once before it hands out the first row; the
        // row then asks before each start, and the fifth question says stop.
        let polls = Counter()
        let stop = StopCondition { polls.next() > 4 }
        var delivered: [Int] = []
        #expect(throws: AnalysisInterrupted.self) {
            _ = try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(),
                             scheduler: LocalScheduler(threads: 1), stop: stop, onRow: { u, _ in delivered.append(u) })
        }
        #expect(delivered.isEmpty, "rows delivered: \(delivered)")
        #expect(polls.count < 20, "the stop was seen inside the first row")
    }

    /// The learning blocks cover a pass's rows once, in order, in at most
    /// five blocks, the last holding the second half.
    @Test func learningBlocksCoverThePassInOrder() {
        for count in 0...70 {
            let blocks = BasinRowUnits.learningBlocks(count)
            #expect(blocks.flatMap { Array($0) } == Array(0..<count))
            #expect(blocks.count <= 5 && blocks.allSatisfy { !$0.isEmpty })
            if count > 1 { #expect(blocks.last?.lowerBound == (count + 1) / 2) }
        }
    }

    /// A start on the stable manifold of a saddle, nudged off it, passes
    /// close to the saddle and leaves: it is labelled by the sink it ends
    /// at, with certification as without. In basins-rbm's problem the
    /// subspace b = W = 0 is invariant (flip symmetry); the fixed point in it
    /// (a fitted to the marginals) is a saddle, and the flow leaves it
    /// along (b, W).
    @Test func startPassingNearASaddleIsLabelledByItsEnd() throws {
        let (objective, _) = try Self.basinsRBM()
        // The saddle: the flow restricted to b = W = 0 from a = 0.
        let inSubspace = try GradientFlow(problem: GradientFlowProblem(objective: objective, initialParameters: [Double](repeating: 0, count: 7),
                                                                       endTime: 1e4, gradientTolerance: 1e-12),
                                          method: Self.method)
        #expect(try inSubspace.integrate() == .gradientTolerance)
        let saddle = inSubspace.state
        #expect(saddle[3...].allSatisfy { $0 == 0 })
        let point = try FixedPoint.classify(saddle, objective: objective, tolerances: ClassificationTolerances(), foundBy: "test")
        #expect(point.type == .saddle)
        let start = Array(saddle[0..<3]) + [1e-7, 1e-7, -1e-7, 1e-7]
        let survey = BasinRowUnits(objective: objective, method: Self.method, plane: try Self.basinsRBM().1,
                                   xs: gridValues(-3...3, count: 8), ys: gridValues(-3...3, count: 8), maximumTime: 1e4,
                                   tolerance: 1e-8, threads: 1, certify: true)
        let map = try basinMap(survey, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(),
                               scheduler: LocalScheduler(threads: 1))
        #expect(!map.certificates.isEmpty)
        let certifiedMapper = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-8,
                                              certificates: map.certificates)
        let plainMapper = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-8)
        guard case let .converged(end, time) = plainMapper.outcome(from: start) else {
            Issue.record("the start near the saddle did not converge")
            return
        }
        // It starts within 2e-7 of the saddle and ends at a sink far from it.
        #expect(Vector.norm(Vector.difference(end, saddle)) > 0.5 && time > 0)
        let sinks = map.certificates.map(\.representative)
        guard let nearest = sinks.indices.min(by: { Vector.norm(Vector.difference(sinks[$0], end)) < Vector.norm(Vector.difference(sinks[$1], end)) }) else { return }
        #expect(Vector.norm(Vector.difference(sinks[nearest], end)) < 1e-6)
        switch certifiedMapper.outcome(from: start) {
        case let .certified(k, _): #expect(k == nearest)
        case let .converged(state, _): #expect(Vector.norm(Vector.difference(state, end)) < 1e-6)
        default: Issue.record("the start near the saddle was neither certified nor converged")
        }
    }

    /// The lean loop takes the steps of `integrate(until:)`: the same stop,
    /// time and state, bit for bit; a watch that fires stops after that step.
    @Test func leanLoopMatchesTheStepLoop() throws {
        let (objective, plane) = try Self.basinsRBM()
        let start = plane.point(1.3, -0.7)
        let problem = GradientFlowProblem(objective: objective, initialParameters: start, endTime: 1e4, gradientTolerance: 1e-8)
        let reference = try GradientFlow(problem: problem, method: Self.method)
        let lean = try GradientFlow(problem: problem, method: Self.method)
        for end in [10.0, 1e4] {
            let stop = try reference.integrate(until: end)
            let leanStop = try lean.integrate(until: end) { _, _ in false }
            #expect((stop == .gradientTolerance) == (leanStop == .gradientTolerance))
            #expect(reference.time == lean.time && reference.state == lean.state)
        }
        try lean.restart(from: start)
        var watchedTimes: [Double] = []
        let stop = try lean.integrate(until: 1e4) { t, _ in
            watchedTimes.append(t)
            return watchedTimes.count == 5
        }
        #expect(stop == .watched && watchedTimes.count == 5 && lean.time == watchedTimes[4])
    }

    /// A start still moving at `t_max` goes on to `t_limit`: basins-rbm's
    /// corner (-3, -3) is unconverged at t = 1e4 and reaches a sink later.
    @Test func slowStartGoesOnToTheTimeLimit() throws {
        let (objective, plane) = try Self.basinsRBM()
        let start = plane.point(-3, -3)
        let stopped = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-8)
        guard case .unconverged = stopped.outcome(from: start) else {
            Issue.record("the corner start was expected to be still moving at t = 1e4")
            return
        }
        let continued = try BasinMapper(objective: objective, method: Self.method, maximumTime: 1e4, tolerance: 1e-8, limitTime: 1e6)
        guard case let .converged(end, time) = continued.outcome(from: start) else {
            Issue.record("the corner start did not converge by t = 1e6")
            return
        }
        #expect(time > 1e4 && time < 1e6)
        let point = try FixedPoint.classify(end, objective: objective, tolerances: ClassificationTolerances(), foundBy: "test")
        #expect(point.kind == .dataConsistent && point.type == .sink)
    }

    /// Certificates travel (checkpoints, MPI recipes) bit for bit.
    @Test func certificatesRoundTripBitExactly() throws {
        let certificate = AttractorCertificate(representative: [0.1, -1.0 / 3, 2e-300], radius: 6.785313190228741e-05)
        let data = try JSONEncoder().encode([certificate])
        let back = try JSONDecoder().decode([AttractorCertificate].self, from: data)
        #expect(back == [certificate])
        #expect(back[0].representative.map(\.bitPattern) == certificate.representative.map(\.bitPattern))
    }

    /// The Hessian-variation bound holds: `‖∇²L(θ + s d) − ∇²L(θ)‖₂ ≤ M s`
    /// at random points and directions (RBM spin and binary units, Ising).
    /// These samples stay far below M (ratios ≤ 0.15); that M is not too
    /// small is `HessianVariationBoundTests`' business. Here, at the same
    /// samples, the identity M is built on holds,
    /// `d³L/ds³ = E_q[e₃] − E_p[e₃] + 3 Cov_p(e₁, e₂) − κ₃,p(e₁)` with
    /// `e_k = dᵏE/dsᵏ`, and each term is within its share of M (2B₃, 3B₁B₂,
    /// 2B₁³, the B_k from the closed form): the left side is a central
    /// difference of the code's `dᵀ∇²L d`, the right side takes e₁ from the
    /// code's pushforward, e₂ from its curvatureMatrix and e₃ as a central
    /// difference of e₂. Both are compared at step h/2; the tolerance is
    /// both sides' change from h to h/2 (three times their h/2 truncation
    /// errors, which go as h²) plus the values' rounding error over h.
    @Test func hessianVariationBoundHolds() throws {
        var g = SeededGenerator(seed: 11)
        let target = try Target.random(spins: 3, seed: 5, orders: [1, 2, 3], scales: [0.5, 0.5, 0.5])
        let models: [any EnergyModel] = [RestrictedBoltzmannMachine(spins: 3, hidden: 2),
                                         RestrictedBoltzmannMachine(spins: 3, hidden: 2, units: .binary),
                                         GeneralisedIsingModel(spins: 3, order: 2)]
        let q = target.probabilities
        for model in models {
            let objective = LearningObjective(model: model, target: target)
            let bound = try #require(AttractorCertificate.hessianVariationBound(objective))
            let (b1, b2, b3): (Double, Double, Double)
            if let rbm = model as? RestrictedBoltzmannMachine {
                let closed = CertificateCheck.rbmBound(spins: rbm.spins, hidden: rbm.hidden, units: rbm.units)
                (b1, b2, b3) = (closed.b1, closed.b2, closed.b3)
            } else {
                (b1, b2, b3) = (Double(model.parameterCount).squareRoot(), 0, 0)
            }
            for _ in 0..<20 {
                let theta = (0..<objective.dimension).map { _ in 2 * g.nextNormal() }
                var d = (0..<objective.dimension).map { _ in g.nextNormal() }
                let norm = Vector.norm(d)
                d = d.map { $0 / norm }
                let s = 0.1
                let h0 = objective.evaluate(theta).hessian()
                let h1 = objective.evaluate(zip(theta, d).map { $0 + s * $1 }).hessian()
                var difference = h1
                for c in 0..<h1.columns { for r in 0..<h1.rows { difference[r, c] = h1[r, c] - h0[r, c] } }
                let eigenvalues = try LAPACK.symmetricEigenvalues(difference)
                let spectralNorm = max(abs(eigenvalues.first!), abs(eigenvalues.last!))
                #expect(spectralNorm <= bound * s)

                // d³L/ds³ two ways, at steps h and h/2.
                let at = objective.evaluate(theta)
                let p = at.probabilities
                let e1 = at.model.pushforward(d)
                let e2 = CertificateCheck.secondDerivatives(model, theta, d)
                func expectation(_ w: [Double], _ f: [Double]) -> Double { zip(w, f).reduce(0) { $0 + $1.0 * $1.1 } }
                let m1 = expectation(p, e1), m2 = expectation(p, e2)
                let covariance = expectation(p, zip(e1, e2).map { ($0 - m1) * ($1 - m2) })
                let skew = expectation(p, e1.map { ($0 - m1) * ($0 - m1) * ($0 - m1) })
                func sides(_ h: Double) -> (loss: Double, terms: Double, third: Double) {
                    let plus = CertificateCheck.step(theta, d, h), minus = CertificateCheck.step(theta, d, -h)
                    let loss = (CertificateCheck.quadratic(objective.evaluate(plus).hessian(), d)
                        - CertificateCheck.quadratic(objective.evaluate(minus).hessian(), d)) / (2 * h)
                    let e3 = zip(CertificateCheck.secondDerivatives(model, plus, d),
                                 CertificateCheck.secondDerivatives(model, minus, d)).map { ($0 - $1) / (2 * h) }
                    let third = expectation(q, e3) - expectation(p, e3)
                    return (loss, third + 3 * covariance - skew, third)
                }
                let h = 1e-3
                let coarse = sides(h), fine = sides(h / 2)
                let rounding = 64 * Double(objective.dimension) * CertificateCheck.u
                    * (CertificateCheck.frobenius(h0) + b2 + 1) / (h / 2)
                let tolerance = abs(coarse.loss - fine.loss) + abs(coarse.terms - fine.terms) + rounding
                #expect(abs(fine.loss - fine.terms) <= tolerance, "d³L/ds³ \(fine.loss), terms \(fine.terms) ± \(tolerance)")
                // Each term within its share of M (the third-derivative term up to its difference error).
                #expect(abs(fine.third) <= 2 * b3 + tolerance)
                #expect(3 * abs(covariance) <= 3 * b1 * b2 * (1 + 64 * CertificateCheck.u))
                #expect(abs(skew) <= 2 * b1 * b1 * b1)
                if b2 == 0 { #expect(e2.allSatisfy { $0 == 0 }) }
            }
        }
    }

    /// The certified balls of basins-rbm are the documented ones, and the
    /// inequality their proof rests on holds.
    ///
    /// - Each radius equals `R − 2ε` (`R = λ/2M`, `ε = 2|∇L|/λ`, the code's
    ///   `λ = λ_min − 1e-12 max(|λ_max|, 1)`) computed here from independent
    ///   ingredients: M from the closed form, λ by Jacobi rotations of the
    ///   Hessian built from Hessian-vector products, |∇L| summed from the
    ///   energy gradients; the tolerance is the propagated rounding error
    ///   (`CertificateCheck.ball`): 5e-16, about 1e-11 of the radius 6.8e-5,
    ///   while ε ≈ 8e-12 and the eigenvalue margin moves it by 1e-14, so a
    ///   factor in M, R, μ or ε, or a dropped margin, is seen.
    /// - No ball at a saddle (the product-model fixed point b = W = 0, whose
    ///   Hessian has a negative eigenvalue), and none where `R − 2ε ≤ R/2`
    ///   (a point moved off the end until ε = 0.3R), while a point with
    ///   ε = 0.2R still gets the formula's ball.
    /// - On the sphere `|θ − θ_r| = R` the Hessian is `≥ μ = λ/2` (what the
    ///   certificate rests on) and `d·(∇L(θ) − ∇L(θ_r)) ≥ μR`; on the
    ///   certified sphere the flow points inwards, `d·∇L ≥ μr − |∇L(θ_r)| > 0`,
    ///   and the Hessian is positive definite.
    @Test func certifiedBallIsForwardInvariant() throws {
        let (objective, plane) = try Self.basinsRBM()
        let units = BasinRowUnits(objective: objective, method: Self.method, plane: plane, xs: gridValues(-3...3, count: 5),
                                  ys: gridValues(-3...3, count: 5), maximumTime: 1e4, tolerance: 1e-8, threads: 1, certify: true)
        let map = try basinMap(units, catalog: FixedPointCatalog(), tolerances: ClassificationTolerances(),
                               scheduler: LocalScheduler(threads: 1))
        // M of rbm(h=1) on 3 spins, spin units, from the closed form.
        let bound = CertificateCheck.rbmBound(spins: 3, hidden: 1, units: .spin).m
        #expect(map.certificates.count == 2)
        var g = SeededGenerator(seed: 2)
        for c in map.certificates {
            #expect(c.radius > 0)
            #expect(AttractorCertificate.ball(at: c.representative, objective: objective) == c.radius)
            let check = CertificateCheck.ball(at: c.representative, objective: objective, bound: bound)
            #expect(check.issued)
            #expect(abs(c.radius - check.radius) <= check.tolerance,
                    "radius \(c.radius), documented \(check.radius) ± \(check.tolerance)")

            // The proof's inequality on the sphere of radius R = λ/2M.
            let r = check.outer, mu = check.mu
            let base = objective.evaluate(c.representative).gradient
            let special = [check.lowestVector, check.lowestVector.map { -$0 }]
            for k in 0..<(special.count + 200) {
                let d = k < special.count ? special[k] : CertificateCheck.unit(c.representative.map { _ in g.nextNormal() })
                let at = objective.evaluate(CertificateCheck.step(c.representative, d, r))
                let lowest = try LAPACK.symmetricEigenvalues(at.hessian()).first!
                #expect(lowest >= mu)
                #expect(Vector.dot(Vector.difference(at.gradient, base), d) >= mu * r)
            }
            // The certified sphere: the flow points inwards, the Hessian is positive definite.
            for _ in 0..<20 {
                let d = CertificateCheck.unit(c.representative.map { _ in g.nextNormal() })
                let at = objective.evaluate(CertificateCheck.step(c.representative, d, c.radius))
                #expect(Vector.dot(at.gradient, d) >= mu * c.radius - check.gradientNorm)
                #expect(mu * c.radius - check.gradientNorm > 0)
                #expect(try LAPACK.symmetricEigenvalues(at.hessian()).first! > 0)
            }

            // Off the end along the lowest eigenvector, until ε = 0.2R (a ball, the formula's) and ε = 0.3R (none:
            // R − 2ε ≤ R/2). |∇L| grows like λ t, so ε ≈ 2t.
            for (t, issued) in [(0.1 * r, true), (0.15 * r, false)] {
                let moved = CertificateCheck.step(c.representative, check.lowestVector, t)
                let there = CertificateCheck.ball(at: moved, objective: objective, bound: bound)
                let ratio = there.offset / there.outer
                #expect(there.lambda > 0 && abs(ratio - 0.25) > 0.03 && there.issued == issued)
                let code = AttractorCertificate.ball(at: moved, objective: objective)
                #expect((code != nil) == issued)
                if let code { #expect(abs(code - there.radius) <= there.tolerance) }
            }
        }

        // A saddle: the product-model fixed point, a_i = atanh(m_i) fitting the magnetisations, b = W = 0.
        let q = objective.target.probabilities
        var saddle = [Double](repeating: 0, count: objective.dimension)
        for i in 0..<3 { saddle[i] = atanh((0..<q.count).reduce(0) { $0 + q[$1] * Walsh.spin(i, of: $1) }) }
        let check = CertificateCheck.ball(at: saddle, objective: objective, bound: bound)
        #expect(check.lowest < -check.eigenvalueError && check.gradientNorm < 1e-12)
        #expect(AttractorCertificate.ball(at: saddle, objective: objective) == nil)
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
                // Representatives are Newton-polished sinks (λ_min ≈ 0.011,
                // residual ≤ 1e-10): mirror images agree to about 1e-8.
                let scale = max(1, Vector.maxAbs(mirror))
                #expect(Vector.maxAbs(Vector.difference(mirror, map.attractors[m].representative)) < 1e-6 * scale)
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

    /// A stop request inside an orbit's integration ends the portrait with
    /// `AnalysisInterrupted` (not an orbit failure, and not only at the
    /// next orbit: there is none), and one during the field's rows too.
    @Test func portraitStopsInsideAnOrbitAndInTheField() throws {
        let (objective, plane) = try Self.demo()
        let axis = gridValues(-3...3, count: 5)
        // Polls before the orbit's first step: one per row of the field (5)
        // and of the nullclines' field refined four times (17), one at the
        // orbit's start; the 30th falls inside its integration.
        for (threshold, place) in [(30, "an orbit"), (3, "the field")] {
            let polls = Counter()
            let stop = StopCondition { polls.next() >= threshold }
            #expect(throws: AnalysisInterrupted.self, "\(place)") {
                _ = try PhasePortrait.compute(objective: objective, method: Self.method, plane: plane, xs: axis, ys: axis,
                                              orbitStarts: [(x: 2, y: 2)], orbitTime: 1000, stop: stop)
            }
            #expect(polls.count == threshold, "\(place): stopped at poll \(polls.count)")
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var count = 0
        func next() -> Int { lock.withLock { count += 1; return count } }
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
        // Every vertex of a nullcline satisfies its component equation to
        // 1e-10: the edge's root finding stops only once |component| is
        // that small (or the bracket is a few ulps wide, on a steep edge).
        for (segments, direction) in [(portrait.nullclines.x, plane.u), (portrait.nullclines.y, plane.v)] {
            for s in segments {
                for (x, y) in [(s.x0, s.y0), (s.x1, s.y1)] {
                    #expect(abs(Vector.dot(objective.evaluate(plane.point(x, y)).gradient, direction)) <= 1e-10)
                }
            }
        }
        #expect(portrait.orbits.count == 2 && portrait.orbits[0].count == 30)
        #expect(portrait.orbits[0][0].x == 0.5 && portrait.orbits[0][0].y == 0.5)
    }

    /// Every nullcline vertex lies within 1e-8 of its nullcline on the
    /// plane, proved by a sign change: the component takes both signs at
    /// the vertex ± 1e-8 along the component's gradient on the plane. On the
    /// demo's plane, where the component is flat near the plane's edges
    /// (|∇g| ≈ 2e-3), a residual of 1e-10 alone left vertices up to 3.9e-8 off.
    @Test func nullclineVerticesLieWithin1e8OfTheirCurve() throws {
        let (objective, plane) = try Self.demo()
        let axis = gridValues(-3...3, count: 41)  // the demo portrait's field grid
        let (nullX, nullY) = PhasePortrait.nullclines(objective: objective, plane: plane, xs: axis, ys: axis)
        #expect(nullX.count > 20 && nullY.count > 20)
        var checked = 0
        for (segments, direction) in [(nullX, plane.u), (nullY, plane.v)] {
            func g(_ x: Double, _ y: Double) -> Double { -Vector.dot(objective.evaluate(plane.point(x, y)).gradient, direction) }
            for s in segments {
                for (x, y) in [(s.x0, s.y0), (s.x1, s.y1)] {
                    let h = 1e-6
                    let gx = (g(x + h, y) - g(x - h, y)) / (2 * h), gy = (g(x, y + h) - g(x, y - h)) / (2 * h)
                    let norm = (gx * gx + gy * gy).squareRoot()
                    guard norm > 1e-6 else { continue }  // a critical point of g: no direction to test along
                    let d = 1e-8
                    let below = g(x - d * gx / norm, y - d * gy / norm), above = g(x + d * gx / norm, y + d * gy / norm)
                    #expect(below <= 0 && above >= 0, "vertex (\(x), \(y)): g = \(below), \(above) at ±1e-8")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
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
