import EBMCore
import EBMLinearAlgebra
import EBMSolvers
import Foundation

/// Where one initial condition ends (Attractors.jl's mapper idea: one
/// mapper labels one start; maps are thin loops on top).
public enum BasinOutcome: Sendable, Equatable {
    /// `|∇L| < tolerance` at `time`.
    case converged(state: [Double], time: Double)
    /// Still moving in the effective model at the time limit.
    case unconverged(state: [Double])
    /// `|θ|` growing while the effective model has stalled: a point at infinity.
    case escaped(state: [Double])
    /// CVODE failed; the reason is kept.
    case failed(reason: String)
    /// Entered the region of `certificates[certificate]` at `time`
    /// (`AttractorCertificate`): the attractor is certain, the flow stopped.
    case certified(certificate: Int, time: Double)
}

/// Integrates the flow from given starts until `|∇L| < tolerance`, then
/// polishes a converged end point with Newton (so that it is classified at
/// a stationary point, not where the flow stopped). A start still moving
/// at `maximumTime` goes on up to `limitTime`, where its last decade tells
/// an escape from a start still moving. With certificates, a start stops
/// as soon as it enters a certified region (`AttractorCertificate`). Owns
/// one CVODE integrator (reinitialised per start) and one Newton solver,
/// so each thread needs its own mapper.
public final class BasinMapper {
    public let flow: GradientFlow
    public let maximumTime: Double
    /// `t_limit`: how long a start that is still moving may go on (≥ `maximumTime`).
    public let limitTime: Double
    public let certificates: [AttractorCertificate]
    let polish: NewtonSolver
    let system: GradientSystem
    /// Time spent before the last kick off a saddle (see `advance`).
    private var elapsed = 0.0
    private var kicks = 0
    /// At most this many kicks off saddles per start.
    static let kickLimit = 4

    public init(objective: LearningObjective, method: GradientFlowMethod, maximumTime: Double, tolerance: Double,
                polishTolerance: Double = 1e-10, limitTime: Double? = nil, certificates: [AttractorCertificate] = []) throws {
        let problem = GradientFlowProblem(objective: objective, initialParameters: [Double](repeating: 0, count: objective.dimension),
                                          endTime: maximumTime, gradientTolerance: tolerance)
        flow = try GradientFlow(problem: problem, method: method)
        self.maximumTime = maximumTime
        self.limitTime = max(limitTime ?? maximumTime, maximumTime)
        self.certificates = certificates
        polish = try NewtonSolver(residualTolerance: polishTolerance)
        system = GradientSystem(objective: objective)
    }

    /// Newton from a converged end point; the end point itself when Newton
    /// fails or moves far (then the flow's point is the best estimate).
    func polished(_ state: [Double]) -> [Double] {
        guard let result = try? polish.solve(system, from: state), result.isConverged,
              Vector.norm(Vector.difference(result.solution, state)) <= 1e-2 * max(1, Vector.norm(state)) else { return state }
        return result.solution
    }

    /// Integrates on to `end`, a time since the start (the flow's own clock
    /// restarts at each kick off a saddle): the outcome when the start
    /// converged or entered a certified region, nil at `end`.
    private func advance(to end: Double, certified: Bool) throws -> BasinOutcome? {
        let flowEnd = end - elapsed
        guard flowEnd > flow.time else { return nil }
        var hit = -1
        let stop: GradientFlow.WatchedStop
        if certified && !certificates.isEmpty {
            let certificates = self.certificates
            stop = try flow.integrate(until: flowEnd) { _, theta in
                for k in certificates.indices where certificates[k].contains(theta) {
                    hit = k
                    return true
                }
                return false
            }
        } else {
            stop = try flow.integrate(until: flowEnd) { _, _ in false }
        }
        switch stop {
        case .gradientTolerance:
            // |∇L| fell below the tolerance near a saddle: the flow pauses
            // there and leaves along the unstable direction on the side it
            // came from. Kick it off that side and go on, so the start is
            // labelled by where it ends, not by the plateau it crossed.
            let point = polished(flow.state)
            if kicks < Self.kickLimit, let leaving = try exitFromSaddle(point, approach: flow.state) {
                kicks += 1
                elapsed += flow.time
                try flow.restart(from: leaving)
                return try advance(to: end, certified: certified)
            }
            return .converged(state: point, time: elapsed + flow.time)
        case .watched: return .certified(certificate: hit, time: elapsed + flow.time)
        case .endTime: return nil
        }
    }

    /// A point a little off `saddle` along its most unstable direction, on
    /// the side of `approach` (where the flow was when it paused); nil when
    /// the Hessian at `point` has no eigenvalue below -1e-8 (a minimum, or a
    /// degenerate point), or when the flow came in on the saddle's stable
    /// manifold (no offset along the unstable direction beyond rounding: a
    /// start on a symmetry axis stays, and is labelled by the saddle).
    private func exitFromSaddle(_ saddle: [Double], approach: [Double]) throws -> [Double]? {
        let eigen = try LAPACK.symmetricEigen(flow.problem.objective.evaluate(saddle).hessian())
        guard let lowest = eigen.values.first, lowest < -1e-8 else { return nil }
        let direction = (0..<saddle.count).map { eigen.vectors[$0, 0] }
        let offset = zip(Vector.difference(approach, saddle), direction).reduce(0) { $0 + $1.0 * $1.1 }
        guard abs(offset) > 1e-12 * max(1, Vector.norm(saddle)) else { return nil }
        let side = offset >= 0 ? 1.0 : -1.0
        let kick = 1e-3 * max(1, Vector.norm(saddle))
        return zip(saddle, direction).map { $0 + side * kick * $1 }
    }

    /// Whether the last decade looks like an escape: `|θ|` grew while the
    /// effective model hardly changed (`TrajectoryDiagnostics`).
    private func isEscaping(from earlier: [Double], to end: [Double]) -> Bool {
        let objective = flow.problem.objective
        let growth = Vector.norm(objective.fullParameters(end)) - Vector.norm(objective.fullParameters(earlier))
        let change = Vector.norm(Vector.difference(objective.evaluate(end).couplings, objective.evaluate(earlier).couplings))
        return growth > TrajectoryDiagnostics.escapeGrowth && change < TrajectoryDiagnostics.escapeCouplingRatio * growth
    }

    /// Where `start` ends; `certified: false` ignores the certificates
    /// (the survey starts, and maps checked against certified ones).
    public func outcome(from start: [Double], certified: Bool = true) -> BasinOutcome {
        do {
            elapsed = 0
            kicks = 0
            try flow.restart(from: start)
            if let outcome = try advance(to: maximumTime / 10, certified: certified) { return outcome }
            var earlier = flow.state
            if let outcome = try advance(to: maximumTime, certified: certified) { return outcome }
            // Still moving at t_max: on to t_limit, the ones that look like
            // escapes there too (a slow start crawling along a valley of
            // minima can look like an escape over one intermediate decade;
            // on the demo's plane half of those at t_max = 1e4 converged
            // later). The escape test compares the last decade before
            // t_limit (from t_max if t_limit < 10 t_max) with the rest.
            if limitTime > maximumTime {
                let lastDecade = max(limitTime / 10, maximumTime)
                if lastDecade > maximumTime, let outcome = try advance(to: lastDecade, certified: certified) { return outcome }
                earlier = flow.state
                if let outcome = try advance(to: limitTime, certified: certified) { return outcome }
            }
            if isEscaping(from: earlier, to: flow.state) { return .escaped(state: flow.state) }
            return .unconverged(state: flow.state)
        } catch {
            return .failed(reason: "\(error)")
        }
    }
}

/// A basin label: an attractor of the map (`BasinMap.attractors`), or one
/// of the outcomes that are never merged with a fixed point or with each other.
public enum BasinLabel: Hashable, Sendable, Comparable {
    case attractor(Int)
    case unconverged
    case escaped
    case failed

    /// The integer written in `basins.dat`: the attractor id, or -1, -2, -3.
    public var code: Int {
        switch self {
        case let .attractor(id): return id
        case .unconverged: return -1
        case .escaped: return -2
        case .failed: return -3
        }
    }

    public static func < (a: BasinLabel, b: BasinLabel) -> Bool { a.code < b.code }
}

/// What makes two end points the same attractor.
public enum AttractorIdentity: Sendable {
    /// Equal parameters (within a tolerance): symmetry images are distinct.
    case parameters
    /// Equal effective couplings: a manifold of fixed points is one attractor.
    case effectiveModel
}

/// An attractor found by a basin map: the first end point that reached it
/// and the catalog entry (modulo symmetry) it is.
public struct Attractor: Sendable {
    public let representative: [Double]
    public let couplings: [Double]
    public let catalogIndex: Int
}

/// A labelled grid on a plane.
public struct BasinMap: Sendable {
    public let plane: Plane
    public let xs: [Double]
    public let ys: [Double]
    /// `labels[j][i]` at `(xs[i], ys[j])`.
    public let labels: [[BasinLabel]]
    /// Convergence time at each grid point (nil unless integrated to `|∇L| < tol`).
    public let times: [[Double?]]
    /// When each start's attractor became certain: its convergence time, or
    /// the time it entered a certified region (nil when not labelled by an attractor).
    public let labelTimes: [[Double?]]
    public let attractors: [Attractor]
    public let catalog: FixedPointCatalog
    public let failures: [String]
    /// The certified regions the map stopped starts in (empty: certification off).
    public let certificates: [AttractorCertificate]
    /// Starts integrated to convergence before the map to find the attractors.
    public let surveyStarts: Int
    /// The attractor of each certificate (nil: the map never reached it).
    public let certifiedAttractors: [Int?]
    /// How many of `certificates` were known before the map's rows (the
    /// survey's, or those the caller gave); the rest were learned from the
    /// rows' ends as the map ran.
    public let surveyCertificates: Int
    /// Points labelled by refinement from the points around them, not integrated.
    public let inferredCount: Int

    /// Starts labelled by entering a certified region.
    public var certifiedCount: Int {
        zip(times, labelTimes).reduce(0) { total, rows in
            total + zip(rows.0, rows.1).filter { $0.0 == nil && $0.1 != nil }.count
        }
    }

    /// Starts integrated to `|∇L| < tol`.
    public var convergedCount: Int { times.joined().compactMap { $0 }.count }

    /// Starts per label that is not an attractor or an escape: still moving at `t_limit` (-1), solver failed (-3).
    public var unresolved: (unconverged: Int, failed: Int) {
        var u = 0, f = 0
        for row in labels { for label in row { if label == .unconverged { u += 1 } else if label == .failed { f += 1 } } }
        return (u, f)
    }

    public var cellCount: Int { xs.count * ys.count }

    /// Fraction of grid points per label.
    public var fractions: [BasinLabel: Double] {
        var counts: [BasinLabel: Int] = [:]
        for row in labels { for label in row { counts[label, default: 0] += 1 } }
        return counts.mapValues { Double($0) / Double(cellCount) }
    }

    /// Fraction of grid points with a 4-neighbour of another label.
    public var boundaryFraction: Double {
        var boundary = 0
        for j in ys.indices {
            for i in xs.indices {
                let here = labels[j][i]
                let neighbours = [(i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)]
                if neighbours.contains(where: { $0.0 >= 0 && $0.0 < xs.count && $0.1 >= 0 && $0.1 < ys.count && labels[$0.1][$0.0] != here }) {
                    boundary += 1
                }
            }
        }
        return Double(boundary) / Double(cellCount)
    }

    /// Basin entropy (Daza et al. 2016): the mean over `box × box` blocks of
    /// the Shannon entropy (nats) of the labels in the block.
    public func basinEntropy(box: Int = 5) -> Double {
        var total = 0.0, blocks = 0
        var j = 0
        while j + box <= ys.count {
            var i = 0
            while i + box <= xs.count {
                var counts: [BasinLabel: Int] = [:]
                for jj in j..<(j + box) { for ii in i..<(i + box) { counts[labels[jj][ii], default: 0] += 1 } }
                let n = Double(box * box)
                total += counts.values.reduce(0) { $0 - Double($1) / n * log(Double($1) / n) }
                blocks += 1
                i += box
            }
            j += box
        }
        return blocks == 0 ? 0 : total / Double(blocks)
    }
}

/// The starts of a basin map as work units. Unit `p · ys.count + j` is
/// grid row `j` in pass `p` of `passes` (one pass unless refining): the
/// columns `plan[p][j]`, each integrated from `(xs[i], ys[j])` by one
/// thread's mapper, stopping in the certified regions of `certificates`.
/// With certification on, the units after those are the survey: row
/// `surveyRows[k]` at the columns `surveyColumns`, integrated to
/// convergence with no certificate. The survey runs first and its ends give
/// the first certificates; each block of a pass's rows adds those of the
/// attractors its ends reached first (`AttractorLearner`); each refinement
/// pass's plan follows from the passes before it. Certificates and plans
/// are part of the units (and of their recipe), so every row sees the same
/// ones however the rows are scheduled, interrupted or distributed.
public struct BasinRowUnits: WorkUnitKind {
    public typealias Record = [BasinCell]
    public static let analysis = "basins"
    public static let unitNoun = "basin rows"
    /// 2: rows run in learning blocks, and a row stops in the certificates
    /// learned from the blocks before it (1: the survey's only).
    public static let recordScheme = 2

    public let objective: LearningObjective
    public let method: GradientFlowMethod
    public let plane: Plane
    public let xs: [Double]
    public let ys: [Double]
    public let maximumTime: Double
    public let limitTime: Double
    public let tolerance: Double
    /// Whether starts stop in certified regions (a survey runs first).
    public let certify: Bool
    /// nil until the survey has run (certification on); empty when off.
    public var certificates: [AttractorCertificate]?
    public let surveyRows: [Int]
    public let surveyColumns: [Int]
    /// Whether the map is refined from a coarse pass (`BasinRefinement`).
    public let refine: Bool
    public let passes: Int
    /// The columns integrated per pass and row, for the passes planned so far.
    public var plan: [[[Int]]]
    /// Rebuilds the recipe from the units (the certificates and plans travel in it).
    let recipeMaker: (@Sendable (BasinRowUnits) -> WorkRecipe?)?
    /// Asked before each start of a row: a row stopped part-way is not
    /// delivered (it is computed again on resuming), so a stop waits for
    /// the starts in flight, not for whole rows (a demo row of 200 starts
    /// takes seconds). `basinMap` sets it; the units another process
    /// rebuilds from the recipe never stop on their own.
    public var stop: StopCondition = .never

    /// With more than one worker thread the workers are the parallelism:
    /// each one's all-states passes stay on its own thread.
    public init(objective: LearningObjective, method: GradientFlowMethod, plane: Plane, xs: [Double], ys: [Double],
                maximumTime: Double, tolerance: Double, threads: Int, limitTime: Double? = nil, certify: Bool = false,
                certificates: [AttractorCertificate]? = nil, refine: Bool = false, plan: [[[Int]]]? = nil,
                recipe: (@Sendable (BasinRowUnits) -> WorkRecipe?)? = nil) {
        var method = method
        if threads > 1 { method.parallelism = .serial }
        self.objective = objective
        self.method = method
        self.plane = plane
        self.xs = xs
        self.ys = ys
        self.maximumTime = maximumTime
        self.limitTime = max(limitTime ?? maximumTime, maximumTime)
        self.tolerance = tolerance
        self.certify = certify
        self.certificates = certify ? certificates : []
        surveyRows = certify ? Self.surveyIndices(ys.count) : []
        surveyColumns = certify ? Self.surveyIndices(xs.count) : []
        self.refine = refine
        passes = refine ? BasinRefinement.passCount(nx: xs.count, ny: ys.count) : 1
        self.plan = plan ?? [BasinRefinement.newPoints(nx: xs.count, ny: ys.count, pass: 0, of: passes)]
        recipeMaker = recipe
    }

    /// The survey's grid indices on an axis of `n` points: about one in
    /// ten, at least 5 (all when fewer), evenly spread, ends included.
    public static func surveyIndices(_ n: Int) -> [Int] {
        let m = min(n, max(5, n / 10))
        if m <= 1 { return [0] }
        return (0..<m).map { ($0 * (n - 1) + (m - 1) / 2) / (m - 1) }
    }

    /// The blocks a pass of `count` rows runs in when certifying (new
    /// attractors are learned between blocks: `basinMap`): the first
    /// sixteenth, the next sixteenth, eighth, quarter, then the last half,
    /// so the first lessons come early and most rows run in one block, as
    /// many at once as there are workers. Depends on `count` only.
    public static func learningBlocks(_ count: Int) -> [Range<Int>] {
        var blocks: [Range<Int>] = []
        var start = 0
        for end in [(count + 15) / 16, (count + 7) / 8, (count + 3) / 4, (count + 1) / 2, count] where end > start {
            blocks.append(start..<end)
            start = end
        }
        return blocks
    }

    public var count: Int { passes * ys.count + surveyRows.count }
    public var recipe: WorkRecipe? { recipeMaker?(self) }
    public var surveyUnits: Range<Int> { (passes * ys.count)..<count }

    /// The units of pass `p` that have columns to integrate.
    func units(ofPass p: Int) -> [Int] {
        ys.indices.filter { !plan[p][$0].isEmpty }.map { p * ys.count + $0 }
    }

    /// How many cells unit `u`'s record holds.
    func cellCount(_ u: Int) -> Int? {
        if u >= passes * ys.count { return surveyColumns.count }
        let p = u / ys.count
        return p < plan.count ? plan[p][u % ys.count].count : nil
    }

    public func makeWorker() throws -> (Int) throws -> [BasinCell] {
        let mapper = try BasinMapper(objective: objective, method: method, maximumTime: maximumTime, tolerance: tolerance,
                                     limitTime: limitTime, certificates: certificates ?? [])
        return { u in
            func checkStop() throws {
                if stop.isRequested { throw Self.interrupted(after: 0, of: count) }
            }
            if u < passes * ys.count {
                let p = u / ys.count, j = u % ys.count
                precondition(certificates != nil && p < plan.count, "basin rows before the survey's certificates or their pass's plan")
                return BasinCell.cells(try plan[p][j].map { i in
                    try checkStop()
                    return mapper.outcome(from: plane.point(xs[i], ys[j]))
                })
            }
            let y = ys[surveyRows[u - passes * ys.count]]
            return BasinCell.cells(try surveyColumns.map { i in
                try checkStop()
                return mapper.outcome(from: plane.point(xs[i], y), certified: false)
            })
        }
    }
}

/// Basin map over a grid: with certification, the survey units first and
/// the certificates from their ends (`AttractorLearner`, in grid order);
/// then the rows, computed by `scheduler` (each worker owns its mapper and
/// SUNDIALS context), pass by pass when refining, each pass in
/// `learningBlocks` of rows when certifying, the certificates of each
/// block's new attractors learned before the next block; labelling
/// runs afterwards in grid order, so the map and the catalog do not depend
/// on how the rows were computed. `completedRows` (of an interrupted run,
/// survey units included) are taken as they are; `onRow` sees every new
/// unit (to checkpoint it); `stop` ends the run with `AnalysisInterrupted`.
public func basinMap(_ units: BasinRowUnits, catalog initial: FixedPointCatalog, tolerances: ClassificationTolerances,
                     identity: AttractorIdentity = .parameters, matchTolerance: Double = 1e-6,
                     scheduler: WorkScheduler, stop: StopCondition = .never, completedRows: [Int: [BasinCell]] = [:],
                     onRow: ((Int, [BasinCell]) throws -> Void)? = nil,
                     progress: ((Int, Int) -> Void)? = nil) throws -> BasinMap {
    var units = units
    units.stop = stop
    let (xs, ys, objective) = (units.xs, units.ys, units.objective)
    var records: [Int: [BasinCell]] = [:]
    var done = 0
    func compute(_ indices: [Int]) throws {
        for u in indices where records[u] == nil {
            if let saved = completedRows[u], saved.count == units.cellCount(u) { records[u] = saved; done += 1 }
        }
        try scheduler.run(units, units: indices.filter { records[$0] == nil }, stop: stop) { u, row in
            records[u] = row
            try onRow?(u, row)
            done += 1
            progress?(done, units.count)
        }
    }
    var learner = AttractorLearner(objective: objective, identity: identity, matchTolerance: matchTolerance)
    if units.certificates == nil {
        try compute(Array(units.surveyUnits))
        let ends = try units.surveyUnits.flatMap { try BasinCell.outcomes(records[$0] ?? []) }
        units.certificates = learner.learn(from: ends)
    } else {
        learner.know(units.certificates ?? [])
    }
    /// With certification, a pass's rows run in blocks in grid order
    /// (`BasinRowUnits.learningBlocks`), and the converged ends of each
    /// block teach the learner before the next block starts: every row sees
    /// the certificates of the blocks before it, however it is scheduled.
    func computeLearning(_ indices: [Int]) throws {
        guard units.certify, AttractorCertificate.hessianVariationBound(objective) != nil else { return try compute(indices) }
        for block in BasinRowUnits.learningBlocks(indices.count) {
            let rows = Array(indices[block])
            try compute(rows)
            let ends = try rows.flatMap { try BasinCell.outcomes(records[$0] ?? []) }
            units.certificates = (units.certificates ?? []) + learner.learn(from: ends)
        }
    }
    let surveyCertificates = units.certificates?.count ?? 0
    // Where each grid point's outcome comes from: the point itself when
    // integrated, the integrated point it was inferred from otherwise.
    var outcomes = [[BasinOutcome?]](repeating: [BasinOutcome?](repeating: nil, count: xs.count), count: ys.count)
    var sources = [[(Int, Int)?]](repeating: [(Int, Int)?](repeating: nil, count: xs.count), count: ys.count)
    var keys = [[Int?]](repeating: [Int?](repeating: nil, count: xs.count), count: ys.count)
    var scratchCatalog = initial, scratchAttractors: [Attractor] = []
    for p in 0..<units.passes {
        if p > 0 && p >= units.plan.count {
            units.plan.append(BasinRefinement.plan(pass: p, of: units.passes, keys: &keys, sources: &sources))
        }
        try computeLearning(units.units(ofPass: p))
        let certificates = units.certificates ?? []
        for j in ys.indices where !units.plan[p][j].isEmpty {
            for (i, outcome) in zip(units.plan[p][j], try BasinCell.outcomes(records[p * ys.count + j] ?? [])) {
                outcomes[j][i] = outcome
                sources[j][i] = (i, j)
                guard units.passes > 1 else { continue }
                // Label identities for planning the next pass (a scratch labelling).
                switch outcome {
                case let .converged(state, _):
                    keys[j][i] = try attractorIndex(state, objective: objective, identity: identity, tolerance: matchTolerance,
                                                    attractors: &scratchAttractors, catalog: &scratchCatalog, tolerances: tolerances)
                case let .certified(k, _) where certificates.indices.contains(k):
                    keys[j][i] = try attractorIndex(certificates[k].representative, objective: objective, identity: identity,
                                                    tolerance: matchTolerance, attractors: &scratchAttractors,
                                                    catalog: &scratchCatalog, tolerances: tolerances)
                case .escaped: keys[j][i] = -2
                case .unconverged: keys[j][i] = -1
                default: keys[j][i] = -3
                }
            }
        }
    }
    let certificates = units.certificates ?? []
    var catalog = initial
    var attractors: [Attractor] = []
    var failures: [String] = []
    var labels = [[BasinLabel]]()
    var times = [[Double?]](), labelTimes = [[Double?]]()
    var inferred = 0
    for j in ys.indices {
        var labelRow = [BasinLabel](), timeRow = [Double?](), labelTimeRow = [Double?]()
        for i in xs.indices {
            guard let (si, sj) = sources[j][i], let outcome = outcomes[sj][si] else {
                throw RecordError(message: "basin map point (\(i), \(j)) was neither integrated nor inferred")
            }
            let isInferred = (si, sj) != (i, j)
            if isInferred { inferred += 1 }
            switch outcome {
            case let .converged(state, time):
                labelRow.append(.attractor(try attractorIndex(state, objective: objective, identity: identity, tolerance: matchTolerance,
                                                              attractors: &attractors, catalog: &catalog, tolerances: tolerances)))
                timeRow.append(isInferred ? nil : time); labelTimeRow.append(isInferred ? nil : time)
            case let .certified(k, time):
                guard certificates.indices.contains(k) else {
                    throw RecordError(message: "a basin record names certificate \(k) of \(certificates.count)")
                }
                labelRow.append(.attractor(try attractorIndex(certificates[k].representative, objective: objective, identity: identity,
                                                              tolerance: matchTolerance, attractors: &attractors, catalog: &catalog,
                                                              tolerances: tolerances)))
                timeRow.append(nil); labelTimeRow.append(isInferred ? nil : time)
            case .unconverged:
                labelRow.append(.unconverged); timeRow.append(nil); labelTimeRow.append(nil)
            case .escaped:
                labelRow.append(.escaped); timeRow.append(nil); labelTimeRow.append(nil)
            case let .failed(reason):
                labelRow.append(.failed); timeRow.append(nil); labelTimeRow.append(nil)
                failures.append("(\(xs[i]), \(ys[j])): \(reason)")
            }
        }
        labels.append(labelRow)
        times.append(timeRow)
        labelTimes.append(labelTimeRow)
    }
    let certifiedAttractors = certificates.map { c in
        matchingAttractor(c.representative, couplings: Walsh.canonicalOrder(objective.evaluate(c.representative).couplings),
                          identity: identity, tolerance: matchTolerance, attractors: attractors)
    }
    return BasinMap(plane: units.plane, xs: xs, ys: ys, labels: labels, times: times, labelTimes: labelTimes,
                    attractors: attractors, catalog: catalog, failures: failures, certificates: certificates,
                    surveyStarts: units.surveyRows.count * units.surveyColumns.count, certifiedAttractors: certifiedAttractors,
                    surveyCertificates: surveyCertificates,
                    inferredCount: inferred)
}

/// One basin-map cell, bit-exact (checkpoints and MPI carry these).
public struct BasinCell: Codable, Sendable {
    let kind: String
    let time: UInt64?
    let state: [UInt64]?
    let reason: String?
    let certificate: Int?

    public static func cells(_ row: [BasinOutcome]) -> [BasinCell] {
        row.map { outcome in
            switch outcome {
            case let .converged(state, time):
                return BasinCell(kind: "converged", time: time.bitPattern, state: state.map(\.bitPattern), reason: nil, certificate: nil)
            case let .unconverged(state):
                return BasinCell(kind: "unconverged", time: nil, state: state.map(\.bitPattern), reason: nil, certificate: nil)
            case let .escaped(state):
                return BasinCell(kind: "escaped", time: nil, state: state.map(\.bitPattern), reason: nil, certificate: nil)
            case let .failed(reason):
                return BasinCell(kind: "failed", time: nil, state: nil, reason: reason, certificate: nil)
            case let .certified(k, time):
                return BasinCell(kind: "certified", time: time.bitPattern, state: nil, reason: nil, certificate: k)
            }
        }
    }

    public static func outcomes(_ cells: [BasinCell]) throws -> [BasinOutcome] {
        try cells.map { cell in
            let state = (cell.state ?? []).map(Double.init(bitPattern:))
            switch cell.kind {
            case "converged": return .converged(state: state, time: Double(bitPattern: cell.time ?? 0))
            case "unconverged": return .unconverged(state: state)
            case "escaped": return .escaped(state: state)
            case "failed": return .failed(reason: cell.reason ?? "")
            case "certified": return .certified(certificate: cell.certificate ?? -1, time: Double(bitPattern: cell.time ?? 0))
            default: throw RecordError(message: "the basin checkpoint holds an unknown outcome `\(cell.kind)`")
            }
        }
    }
}

/// A work record that cannot be read back.
public struct RecordError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The attractor a (Newton-polished) end point reached: matched within
/// `matchTolerance · max(1, |θ|)` (parameters) or `matchTolerance`
/// (couplings). A new attractor is classified and added to the catalog
/// (modulo symmetry).
func attractorIndex(_ state: [Double], objective: LearningObjective, identity: AttractorIdentity, tolerance: Double,
                    attractors: inout [Attractor], catalog: inout FixedPointCatalog,
                    tolerances: ClassificationTolerances) throws -> Int {
    let couplings = Walsh.canonicalOrder(objective.evaluate(state).couplings)
    if let k = matchingAttractor(state, couplings: couplings, identity: identity, tolerance: tolerance, attractors: attractors) {
        return k
    }
    let point = try FixedPoint.classify(state, objective: objective, tolerances: tolerances, foundBy: "basins")
    let (index, _) = catalog.insert(point)
    attractors.append(Attractor(representative: state, couplings: couplings, catalogIndex: index))
    return attractors.count - 1
}

/// The index of the attractor that `state` (with effective `couplings`,
/// canonical order) is, or nil.
func matchingAttractor(_ state: [Double], couplings: [Double], identity: AttractorIdentity, tolerance: Double,
                       attractors: [Attractor]) -> Int? {
    let scale = tolerance * max(1, Vector.norm(state))
    return attractors.firstIndex { attractor in
        switch identity {
        case .parameters: return Vector.norm(Vector.difference(attractor.representative, state)) <= scale
        case .effectiveModel: return Vector.norm(Vector.difference(attractor.couplings, couplings)) <= tolerance
        }
    }
}
