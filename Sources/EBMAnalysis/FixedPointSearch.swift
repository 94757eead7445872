import EBMCore
import Foundation
import EBMLinearAlgebra
import EBMSolvers

/// Where the search looks for fixed points (docs/design.md, Fixed points).
public enum FixedPointMethod: String, CaseIterable, Codable, Sendable {
    /// Newton from random starts and from the trajectory's end.
    case newton
    /// Newton on the deflated gradient from the same starts: new roots.
    case deflation
    /// Newton-homotopy path following from random starts.
    case homotopy
    /// Newton from passes near saddles of the trajectory (|∇L| minima).
    case plateau
    /// Flows from the initialisation and random starts; Newton from their plateaus.
    case flows
    /// Fixed points of narrower models lifted with idle hidden units.
    case lifts
}

/// The fixed-point problem: the stationary points of `dθ/dt = -∇L(θ)`.
/// The flow problem supplies the trajectory seeds; `startDistribution`
/// draws random starts for Newton (seeded per start), `flowStarts` those of
/// the `flows` method (learning's own initialisations: drawn like `init`).
public struct FixedPointProblem: Sendable {
    public let flow: GradientFlowProblem
    public let startDistribution: @Sendable (UInt64) throws -> [Double]
    public let flowStarts: @Sendable (UInt64) throws -> [Double]

    public init(flow: GradientFlowProblem, startDistribution: @escaping @Sendable (UInt64) throws -> [Double],
                flowStarts: (@Sendable (UInt64) throws -> [Double])? = nil) {
        self.flow = flow
        self.startDistribution = startDistribution
        self.flowStarts = flowStarts ?? startDistribution
    }

    public var objective: LearningObjective { flow.objective }
}

/// How to search: which methods, how many starts, tolerances, threads.
public struct FixedPointSearch: Sendable {
    public var methods: Set<FixedPointMethod>
    public var starts: Int
    public var seed: UInt64
    public var tolerances: ClassificationTolerances
    /// A Newton solution is a fixed point when `|∇L| <= gradientTolerance`.
    public var gradientTolerance: Double
    public var deflationPower: Double
    public var deflationShift: Double
    /// Homotopy paths followed (the first `homotopyStarts` random starts).
    public var homotopyStarts: Int
    /// Deflation from one start stops after this many new roots.
    public var rootsPerStart: Int
    /// Deflation runs from the first `deflationStarts` random starts.
    public var deflationStarts: Int
    /// Random flows of the `flows` method (besides the one from `init`).
    public var flows: Int
    /// Newton solutions with `|θ|∞` above this are points at infinity, not fixed points.
    public var parameterBound: Double
    public var threads: Int
    public var flowMethod: GradientFlowMethod

    public init(methods: Set<FixedPointMethod> = Set(FixedPointMethod.allCases), starts: Int = 50, seed: UInt64 = 3,
                tolerances: ClassificationTolerances = ClassificationTolerances(), gradientTolerance: Double = 1e-10,
                deflationPower: Double = 2, deflationShift: Double = 1, homotopyStarts: Int = 5,
                rootsPerStart: Int = 3, deflationStarts: Int = 50, flows: Int = 8, parameterBound: Double = 100,
                threads: Int = 2, flowMethod: GradientFlowMethod = GradientFlowMethod()) {
        precondition(starts >= 0 && threads >= 1 && gradientTolerance > 0 && flows >= 0 && rootsPerStart >= 1)
        self.methods = methods
        self.starts = starts
        self.seed = seed
        self.tolerances = tolerances
        self.gradientTolerance = gradientTolerance
        self.deflationPower = deflationPower
        self.deflationShift = deflationShift
        self.homotopyStarts = homotopyStarts
        self.rootsPerStart = rootsPerStart
        self.deflationStarts = deflationStarts
        self.flows = flows
        self.parameterBound = parameterBound
        self.threads = threads
        self.flowMethod = flowMethod
    }
}

/// A start that did not end at a fixed point, and why.
public struct FixedPointFailure: Sendable {
    public let method: String
    public let start: Int
    public let reason: String
}

/// How the catalog grew: after `units` units of `method`, `rows` entries
/// and `models` distinct effective models.
public struct EnumerationStep: Sendable {
    public let method: String
    public let units: Int
    public let rows: Int
    public let models: Int
}

/// The catalog and how it was obtained.
public struct FixedPointReport: Sendable {
    public var catalog: FixedPointCatalog
    public var failures: [FixedPointFailure]
    /// The trajectory's outcome: the end point (a fixed point or an escape).
    public var trajectoryStopReason: FlowStopReason
    public var escape: TrajectoryDiagnostics.Escape?
    public var newtonSolves: Int
    /// `visits[i]`: how many flows of the `flows` method passed near entry i
    /// (a plateau or the end of the flow Newton-polished onto it).
    public var visits: [Int]
    /// `visitTime[i]`: the flows' time at those plateaus, summed.
    public var visitTime: [Double]
    /// The catalog's size as the units were taken in order.
    public var enumeration: [EnumerationStep]
    /// Whether the last quarter of the random Newton starts added an entry
    /// (nil without Newton starts): a sign that more starts would find more.
    public var lastQuarterFoundNew: Bool?
    /// `nearVisits[i]`: how many flows of the `flows` method passed near
    /// entry i (`FlowPassage.isNear`: within `FlowPassage.nearRadius` of its
    /// couplings at the plateau Newton-polished onto it); empty without flows.
    public var nearVisits: [Int] = []
    /// `nearTime[i]`: the time those flows spent near entry i
    /// (`FlowPassage.timeNear`, once per flow), summed.
    public var nearTime: [Double] = []
    /// `closestApproach[i]`: the smallest `FlowPassage.seedDistance` of the
    /// flows' plateaus Newton-polished onto entry i (`+∞` when none was).
    public var closestApproach: [Double] = []
}

/// Finds, classifies and catalogues fixed points (docs/design.md, Fixed points):
/// - the trajectory's end (Newton-polished), or its point at infinity when it escapes;
/// - `newton`: Newton (KINSOL, minimum-norm where the Hessian is singular)
///   from random starts;
/// - `plateau`: Newton from the trajectory's `|∇L|` minima;
/// - `flows`: flows from `init` and from `flows` random starts, Newton from
///   every plateau of each (the saddles learning meets; counted in `visits`);
/// - `lifts`: the fixed points the flows of every narrower model reach,
///   lifted with idle units (bias 0 and saturated), Newton-polished here;
/// - `deflation`: deflated Newton from the first starts, every known root
///   deflated in the quotient by the model's symmetries (canonical forms);
/// - `homotopy`: Newton-homotopy paths from the first starts.
/// Every phase but the trajectory's and the plateaus' is a kind of work
/// units run by `phases` (in a run: scheduled and checkpointed). The
/// catalog is assembled afterwards in a fixed order — trajectory, newton,
/// plateau, flows, lifts, deflation, homotopy; units in index order — so
/// it depends neither on threads nor on interruptions.
public func findFixedPoints(_ problem: FixedPointProblem, trajectory: Trajectory?, search: FixedPointSearch,
                            catalog initial: FixedPointCatalog = FixedPointCatalog(),
                            phases: FixedPointPhases? = nil, newtonRecipe: WorkRecipe? = nil, stop: StopCondition = .never,
                            progress: ((String) -> Void)? = nil) throws -> FixedPointReport {
    let phases = phases ?? ScheduledPhases(scheduler: LocalScheduler(threads: search.threads), stop: stop)
    let objective = problem.objective
    let system = GradientSystem(objective: objective)
    let newton = try NewtonSolver(residualTolerance: search.gradientTolerance)
    var catalog = initial
    var failures: [FixedPointFailure] = []
    var solves = 0
    var escape: TrajectoryDiagnostics.Escape?
    var visitors: [Set<Int>] = []
    var visitTime: [Double] = []
    var nearVisitors: [Int: Set<Int>] = [:]
    var nearTime: [Int: Double] = [:]
    var closestApproach: [Int: Double] = [:]
    var enumeration: [EnumerationStep] = []

    func record(_ method: String, units: Int) {
        enumeration.append(EnumerationStep(method: method, units: units, rows: catalog.points.count, models: catalog.groupCount))
    }

    /// Accepts a Newton solution as a fixed point, or records why not;
    /// returns its catalog index.
    @discardableResult
    func consider(_ result: NewtonResult?, error: Error?, method: String, start: Int) throws -> Int? {
        solves += 1
        guard let result else {
            failures.append(FixedPointFailure(method: method, start: start, reason: error.map { "\($0)" } ?? "no result"))
            return nil
        }
        guard result.isConverged else {
            failures.append(FixedPointFailure(method: method, start: start, reason: "Newton: \(result.status)"))
            return nil
        }
        let bound = search.parameterBound
        guard Vector.maxAbs(result.solution) <= bound else {
            failures.append(FixedPointFailure(method: method, start: start,
                                              reason: "Newton went beyond |θ|∞ = \(bound) (a point at infinity, not a fixed point)"))
            return nil
        }
        let point = try FixedPoint.classify(result.solution, objective: objective, tolerances: search.tolerances, foundBy: method)
        guard point.gradientNorm <= max(search.gradientTolerance, 10 * result.residualNorm) else {
            failures.append(FixedPointFailure(method: method, start: start, reason: "|∇L| = \(point.gradientNorm) after Newton"))
            return nil
        }
        return insert(point)
    }

    func insert(_ point: FixedPoint) -> Int {
        let index = catalog.insert(point).index
        while visitors.count < catalog.points.count { visitors.append([]); visitTime.append(0) }
        return index
    }

    @discardableResult
    func consider(_ record: NewtonRecord, method: String, start: Int) throws -> Int? {
        switch record.outcome {
        case let .solved(value): return try consider(value, error: nil, method: method, start: start)
        case let .failed(reason): return try consider(nil, error: StoredError(description: reason), method: method, start: start)
        }
    }

    if let trajectory {
        if let found = TrajectoryDiagnostics.escape(trajectory) {
            escape = found
            let point = try FixedPoint.classify(trajectory.finalFreeParameters, objective: objective, tolerances: search.tolerances,
                                                foundBy: "trajectory", asymptotic: true)
            _ = insert(point)
            progress?("fixed points: the trajectory escapes to infinity (|θ| grew by \(found.normGrowth) over the last decade)")
        } else {
            do { try consider(try newton.solve(system, from: trajectory.finalFreeParameters), error: nil, method: "trajectory", start: 0) }
            catch { try consider(nil, error: error, method: "trajectory", start: 0) }
        }
    }

    let starts = try (0..<search.starts).map { try problem.startDistribution(search.seed &+ UInt64($0)) }
    var lastQuarterFoundNew: Bool?
    if search.methods.contains(.newton) && !starts.isEmpty {
        let units = NewtonStartUnits(objective: objective, starts: starts, gradientTolerance: search.gradientTolerance,
                                     recipe: newtonRecipe)
        progress?("fixed points: Newton from \(starts.count) random starts on \(phases.layout)")
        let records = try phases.records(units, phase: "newton")
        let batch = max(1, starts.count / 20)
        var rowsAtThreeQuarters = catalog.points.count
        for k in starts.indices {
            if k == starts.count - starts.count / 4 { rowsAtThreeQuarters = catalog.points.count }
            try consider(records[k]!, method: "newton", start: k)
            if (k + 1) % batch == 0 || k == starts.count - 1 { record("newton", units: k + 1) }
        }
        lastQuarterFoundNew = starts.count >= 4 ? catalog.points.count > rowsAtThreeQuarters : nil
    }

    if search.methods.contains(.plateau), let trajectory {
        let seeds = TrajectoryDiagnostics.plateaus(trajectory)
        progress?("fixed points: Newton from \(seeds.count) plateau seeds")
        for (k, seed) in seeds.enumerated() {
            // Not units of work (a few solves): a stop here computes the
            // phase again on resuming.
            try stop.check("fixed-point plateau seeds")
            do { try consider(try newton.solve(system, from: objective.freeParameters(seed.parameters)), error: nil, method: "plateau", start: k) }
            catch { try consider(nil, error: error, method: "plateau", start: k) }
        }
        record("plateau", units: seeds.count)
    }

    let flowEnd = problem.flow.endTime
    // The flows are the parallelism: each one's all-states passes stay on its thread.
    var flowMethod = search.flowMethod
    flowMethod.parallelism = .serial
    if search.methods.contains(.flows) {
        let flowStarts = [objective.freeParameters(problem.flow.initialParameters)]
            + (try (0..<search.flows).map { try problem.flowStarts(search.seed &+ 1_000_003 &+ UInt64($0)) })
        progress?("fixed points: \(flowStarts.count) flows to t = \(flowEnd), Newton from their plateaus")
        let units = FlowSeedUnits(objective: objective, method: flowMethod, starts: flowStarts, endTime: flowEnd,
                                  gradientTolerance: problem.flow.gradientTolerance, newtonTolerance: search.gradientTolerance)
        let records = try phases.records(units, phase: "flows")
        for i in flowStarts.indices {
            let flow = records[i]!
            if let failure = flow.failure { failures.append(FixedPointFailure(method: "flows", start: i, reason: failure)) }
            for (k, (seed, time)) in zip(flow.seeds, flow.seedTimes).enumerated() {
                if let index = try consider(seed, method: "flows", start: i) {
                    visitors[index].insert(i)
                    visitTime[index] += time
                    if let passage = flow.passages?[k] {
                        closestApproach[index] = min(closestApproach[index] ?? .infinity, passage.seedDistance)
                    }
                    if let passage = flow.passages?[k], passage.isNear, !nearVisitors[index, default: []].contains(i) {
                        nearVisitors[index, default: []].insert(i)
                        nearTime[index, default: 0] += passage.timeNear
                    }
                }
            }
        }
        record("flows", units: flowStarts.count)
    }

    if search.methods.contains(.lifts) && objective.freeIndices.count == objective.model.parameterCount {
        let narrower = Lifts.narrowerModels(of: objective.model)
        var candidates: [[Double]] = []
        for (narrowIndex, model) in narrower.enumerated() {
            // The narrow model's fixed points: where its flows from small and wide starts end and pause.
            let narrowObjective = LearningObjective(model: model, target: objective.target)
            let narrowStarts = try (0...search.flows).map { k -> [Double] in
                let scale = k == 0 ? 1e-3 : 0.5
                return try Initialization.normal(scale: scale, seed: search.seed &+ 2_000_003 &+ UInt64(k)).parameters(for: model)
            }
            progress?("fixed points: \(narrowStarts.count) flows of \(model.description) for lifts")
            let units = FlowSeedUnits(objective: narrowObjective, method: flowMethod, starts: narrowStarts, endTime: flowEnd,
                                      gradientTolerance: problem.flow.gradientTolerance, newtonTolerance: search.gradientTolerance)
            let records = try phases.records(units, phase: "narrow-flows-\(narrowIndex + 1)")
            var seen: [[Double]] = []
            for i in narrowStarts.indices {
                for seed in records[i]!.seeds {
                    guard case let .solved(result) = seed.outcome, result.isConverged,
                          Vector.maxAbs(result.solution) <= search.parameterBound else { continue }
                    let canonical = model.canonicalized(result.solution)
                    if seen.contains(where: { Vector.norm(Vector.difference($0, canonical)) <= 1e-6 * max(1, Vector.norm(canonical)) }) {
                        continue
                    }
                    seen.append(canonical)
                    for bias in Lifts.idleBiases {
                        candidates.append(Lifts.lift(result.solution, from: model, into: objective.model, idleBias: bias))
                    }
                }
            }
        }
        progress?("fixed points: Newton from \(candidates.count) lifted points")
        let units = NewtonStartUnits(objective: objective, starts: candidates, gradientTolerance: search.gradientTolerance)
        let records = try phases.records(units, phase: "lifts")
        for k in candidates.indices { try consider(records[k]!, method: "lifts", start: k) }
        record("lifts", units: candidates.count)
    }

    if search.methods.contains(.deflation) && !starts.isEmpty {
        let deflationStarts = Array(starts.prefix(search.deflationStarts))
        progress?("fixed points: deflation in the quotient by symmetry from \(deflationStarts.count) starts")
        let deflation = try Deflation(power: search.deflationPower, shift: search.deflationShift,
                                      residualTolerance: search.gradientTolerance)
        let known = catalog.points.filter { $0.kind != .asymptotic }.map { objective.freeParameters($0.parameters) }
        let units = DeflationUnits(objective: objective, starts: deflationStarts, knownRoots: known, deflation: deflation,
                                   rootsPerStart: search.rootsPerStart, gradientTolerance: search.gradientTolerance, stop: stop)
        let records = try phases.records(units, phase: "deflation")
        for k in deflationStarts.indices {
            let found = records[k]!
            if let failure = found.failure { failures.append(FixedPointFailure(method: "deflation", start: k, reason: failure)) }
            for root in found.roots { try consider(root, method: "deflation", start: k) }
        }
        record("deflation", units: deflationStarts.count)
    }

    if search.methods.contains(.homotopy) && !starts.isEmpty {
        let count = min(search.homotopyStarts, starts.count)
        progress?("fixed points: Newton-homotopy paths from \(count) starts")
        let records = try phases.records(HomotopyUnits(objective: objective, starts: Array(starts.prefix(count)),
                                                       gradientTolerance: search.gradientTolerance), phase: "homotopy")
        for k in 0..<count {
            let found = records[k]!
            if let failure = found.failure { failures.append(FixedPointFailure(method: "homotopy", start: k, reason: failure)) }
            for root in found.roots { try consider(root, method: "homotopy", start: k) }
        }
        record("homotopy", units: count)
    }

    while visitors.count < catalog.points.count { visitors.append([]); visitTime.append(0) }
    let ranFlows = search.methods.contains(.flows)
    return FixedPointReport(catalog: catalog, failures: failures, trajectoryStopReason: trajectory?.stopReason ?? .endTime,
                            escape: escape, newtonSolves: solves, visits: visitors.map(\.count), visitTime: visitTime,
                            enumeration: enumeration, lastQuarterFoundNew: lastQuarterFoundNew,
                            nearVisits: ranFlows ? catalog.points.indices.map { nearVisitors[$0]?.count ?? 0 } : [],
                            nearTime: ranFlows ? catalog.points.indices.map { nearTime[$0] ?? 0 } : [],
                            closestApproach: ranFlows ? catalog.points.indices.map { closestApproach[$0] ?? .infinity } : [])
}

/// A Newton solve from one start, as a checkpoint keeps it.
public enum NewtonOutcome: Sendable {
    case solved(NewtonResult)
    case failed(String)
}

/// An error kept as its text (from a checkpoint).
struct StoredError: Error, CustomStringConvertible {
    let description: String
}

/// The random starts of a fixed-point search as work units: unit `k` is a
/// Newton solve of `∇L(θ) = 0` from `starts[k]`, by one thread's solver.
public struct NewtonStartUnits: StartUnits {
    public typealias Record = NewtonRecord
    public static let analysis = "fixed_points"
    public static let unitNoun = "Newton starts"

    public let objective: LearningObjective
    public let starts: [[Double]]
    public let gradientTolerance: Double
    public let recipe: WorkRecipe?

    public init(objective: LearningObjective, starts: [[Double]], gradientTolerance: Double, recipe: WorkRecipe? = nil) {
        self.objective = objective
        self.starts = starts
        self.gradientTolerance = gradientTolerance
        self.recipe = recipe
    }

    public func makeWorker() throws -> (Int) throws -> NewtonRecord {
        let newton = try NewtonSolver(residualTolerance: gradientTolerance)
        let system = GradientSystem(objective: objective)
        return { k in
            do { return NewtonRecord(.solved(try newton.solve(system, from: starts[k]))) }
            catch { return NewtonRecord(.failed("\(error)")) }
        }
    }
}

/// One Newton solve of a fixed-point enumeration, bit-exact.
public struct NewtonRecord: Codable, Sendable {
    let solution: [UInt64]?
    let residual: [UInt64]?
    let iterations: Int?
    let residualEvaluations: Int?
    let jacobianEvaluations: Int?
    let status: NewtonResult.Status?
    let nullity: Int?
    let method: String?
    let failure: String?

    public init(_ outcome: NewtonOutcome) {
        switch outcome {
        case let .solved(r):
            solution = r.solution.map(\.bitPattern)
            residual = r.residual.map(\.bitPattern)
            iterations = r.iterations
            residualEvaluations = r.residualEvaluations
            jacobianEvaluations = r.jacobianEvaluations
            status = r.status
            nullity = r.nullity
            method = r.method
            failure = nil
        case let .failed(reason):
            solution = nil; residual = nil; iterations = nil; residualEvaluations = nil; jacobianEvaluations = nil
            status = nil; nullity = nil; method = nil
            failure = reason
        }
    }

    public var outcome: NewtonOutcome {
        guard let solution, let residual, let status else { return .failed(failure ?? "") }
        return .solved(NewtonResult(solution: solution.map(Double.init(bitPattern:)), residual: residual.map(Double.init(bitPattern:)),
                                    iterations: iterations ?? 0, residualEvaluations: residualEvaluations ?? 0,
                                    jacobianEvaluations: jacobianEvaluations ?? 0, status: status, nullity: nullity,
                                    method: method ?? ""))
    }
}
