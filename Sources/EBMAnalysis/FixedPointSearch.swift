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
}

/// The fixed-point problem: the stationary points of `dθ/dt = -∇L(θ)`.
/// The flow problem supplies the trajectory seeds; `startDistribution`
/// draws random starts (seeded per start).
public struct FixedPointProblem: Sendable {
    public let flow: GradientFlowProblem
    public let startDistribution: @Sendable (UInt64) throws -> [Double]

    public init(flow: GradientFlowProblem, startDistribution: @escaping @Sendable (UInt64) throws -> [Double]) {
        self.flow = flow
        self.startDistribution = startDistribution
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
    /// At most this many symmetry images of a root are deflated.
    public var imageLimit: Int
    /// Homotopy paths followed (the first `homotopyStarts` random starts).
    public var homotopyStarts: Int
    /// Deflation stops after this many new roots.
    public var maximumDeflationRoots: Int
    /// Newton solutions with `|θ|∞` above this are points at infinity, not fixed points.
    public var parameterBound: Double
    public var threads: Int
    public var flowMethod: GradientFlowMethod

    public init(methods: Set<FixedPointMethod> = Set(FixedPointMethod.allCases), starts: Int = 50, seed: UInt64 = 3,
                tolerances: ClassificationTolerances = ClassificationTolerances(), gradientTolerance: Double = 1e-10,
                deflationPower: Double = 2, deflationShift: Double = 1, imageLimit: Int = 384, homotopyStarts: Int = 5,
                maximumDeflationRoots: Int = 20, parameterBound: Double = 100,
                threads: Int = 2, flowMethod: GradientFlowMethod = GradientFlowMethod()) {
        precondition(starts >= 0 && threads >= 1 && gradientTolerance > 0 && imageLimit >= 1)
        self.methods = methods
        self.starts = starts
        self.seed = seed
        self.tolerances = tolerances
        self.gradientTolerance = gradientTolerance
        self.deflationPower = deflationPower
        self.deflationShift = deflationShift
        self.imageLimit = imageLimit
        self.homotopyStarts = homotopyStarts
        self.maximumDeflationRoots = maximumDeflationRoots
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

/// The catalog and how it was obtained.
public struct FixedPointReport: Sendable {
    public var catalog: FixedPointCatalog
    public var failures: [FixedPointFailure]
    /// The trajectory's outcome: the end point (a fixed point or an escape).
    public var trajectoryStopReason: FlowStopReason
    public var escape: TrajectoryDiagnostics.Escape?
    public var newtonSolves: Int
}

/// Finds, classifies and catalogues fixed points (docs/design.md, Fixed points):
/// - the trajectory's end (Newton-polished), or its point at infinity when it escapes;
/// - `newton`: Newton (KINSOL, minimum-norm where the Hessian is singular)
///   from random starts, in parallel (each solve owns its SUNDIALS context);
/// - `plateau`: Newton from the trajectory's `|∇L|` minima;
/// - `deflation`: deflated Newton from the starts with every known root and
///   its symmetry images deflated;
/// - `homotopy`: Newton-homotopy paths from the first starts.
/// Catalog order is deterministic: trajectory, newton (start order),
/// plateau, deflation, homotopy.
///
/// The Newton starts are work units computed by `scheduler` (default:
/// `search.threads` local threads; `recipe` lets other processes rebuild
/// them). `completedStarts` are records of an interrupted run (by start
/// index), taken as they are; `onStart` sees every new one (to
/// checkpoint); `stop` ends the Newton phase with `AnalysisInterrupted`.
public func findFixedPoints(_ problem: FixedPointProblem, trajectory: Trajectory?, search: FixedPointSearch,
                            catalog initial: FixedPointCatalog = FixedPointCatalog(),
                            scheduler: WorkScheduler? = nil, recipe: WorkRecipe? = nil, stop: StopCondition = .never,
                            completedStarts: [Int: NewtonRecord] = [:],
                            onStart: ((Int, NewtonRecord) throws -> Void)? = nil,
                            progress: ((String) -> Void)? = nil) throws -> FixedPointReport {
    let scheduler = scheduler ?? LocalScheduler(threads: search.threads)
    let objective = problem.objective
    let system = GradientSystem(objective: objective)
    let newton = try NewtonSolver(residualTolerance: search.gradientTolerance)
    var catalog = initial
    var failures: [FixedPointFailure] = []
    var solves = 0
    var escape: TrajectoryDiagnostics.Escape?

    /// Accepts a Newton solution as a fixed point, or records why not.
    func consider(_ result: NewtonResult?, error: Error?, method: String, start: Int) throws {
        solves += 1
        guard let result else {
            failures.append(FixedPointFailure(method: method, start: start, reason: error.map { "\($0)" } ?? "no result"))
            return
        }
        guard result.isConverged else {
            failures.append(FixedPointFailure(method: method, start: start, reason: "Newton: \(result.status)"))
            return
        }
        let bound = search.parameterBound
        guard Vector.maxAbs(result.solution) <= bound else {
            failures.append(FixedPointFailure(method: method, start: start,
                                              reason: "Newton went beyond |θ|∞ = \(bound) (a point at infinity, not a fixed point)"))
            return
        }
        let point = try FixedPoint.classify(result.solution, objective: objective, tolerances: search.tolerances, foundBy: method)
        guard point.gradientNorm <= max(search.gradientTolerance, 10 * result.residualNorm) else {
            failures.append(FixedPointFailure(method: method, start: start, reason: "|∇L| = \(point.gradientNorm) after Newton"))
            return
        }
        catalog.insert(point)
    }

    if let trajectory {
        if let found = TrajectoryDiagnostics.escape(trajectory) {
            escape = found
            let point = try FixedPoint.classify(trajectory.finalFreeParameters, objective: objective, tolerances: search.tolerances,
                                                foundBy: "trajectory", asymptotic: true)
            catalog.insert(point)
            progress?("fixed points: the trajectory escapes to infinity (|θ| grew by \(found.normGrowth) over the last decade)")
        } else {
            do { try consider(try newton.solve(system, from: trajectory.finalFreeParameters), error: nil, method: "trajectory", start: 0) }
            catch { try consider(nil, error: error, method: "trajectory", start: 0) }
        }
    }

    let starts = try (0..<search.starts).map { try problem.startDistribution(search.seed &+ UInt64($0)) }
    if search.methods.contains(.newton) && !starts.isEmpty {
        let units = NewtonStartUnits(objective: objective, starts: starts, gradientTolerance: search.gradientTolerance,
                                     recipe: recipe)
        progress?("fixed points: Newton from \(starts.count) random starts on \(scheduler.layout)")
        let records = try scheduler.records(units, completed: completedStarts, stop: stop) { k, record in try onStart?(k, record) }
        for k in starts.indices {
            switch records[k]!.outcome {
            case let .solved(value): try consider(value, error: nil, method: "newton", start: k)
            case let .failed(reason): try consider(nil, error: StoredError(description: reason), method: "newton", start: k)
            }
        }
    }

    if search.methods.contains(.plateau), let trajectory {
        let seeds = TrajectoryDiagnostics.plateaus(trajectory)
        progress?("fixed points: Newton from \(seeds.count) plateau seeds")
        for (k, seed) in seeds.enumerated() {
            do { try consider(try newton.solve(system, from: objective.freeParameters(seed.parameters)), error: nil, method: "plateau", start: k) }
            catch { try consider(nil, error: error, method: "plateau", start: k) }
        }
    }

    if search.methods.contains(.deflation) && !starts.isEmpty {
        progress?("fixed points: deflation from \(starts.count) starts")
        let deflation = try Deflation(power: search.deflationPower, shift: search.deflationShift,
                                      residualTolerance: search.gradientTolerance)
        let known = catalog.points.filter { $0.kind != .asymptotic }.map { objective.freeParameters($0.parameters) }
        let roots = try deflation.findRoots(system, from: starts, knownRoots: known,
                                            images: { symmetryImages($0, objective: objective, limit: search.imageLimit) },
                                            maxRoots: search.maximumDeflationRoots, newton: newton)
        for root in roots { try consider(root.refinement, error: nil, method: "deflation", start: root.start) }
    }

    if search.methods.contains(.homotopy) && !starts.isEmpty {
        let count = min(search.homotopyStarts, starts.count)
        progress?("fixed points: Newton-homotopy paths from \(count) starts")
        let method = try PseudoArclength(step: try StepControl(initial: 0.05, minimum: 1e-8, maximum: 0.5), maxPoints: 5000)
        for k in 0..<count {
            do {
                let result = try homotopyRoots(system, from: starts[k], method: method, pathLengthLimit: 200,
                                               refinementTolerance: search.gradientTolerance)
                for root in result.roots {
                    try consider(try newton.solve(system, from: root), error: nil, method: "homotopy", start: k)
                }
            } catch {
                failures.append(FixedPointFailure(method: "homotopy", start: k, reason: "\(error)"))
            }
        }
    }

    return FixedPointReport(catalog: catalog, failures: failures, trajectoryStopReason: trajectory?.stopReason ?? .endTime,
                            escape: escape, newtonSolves: solves)
}

/// Images of free parameters under the model's symmetries that keep the
/// frozen parameters at their values (others are not points of the flow).
func symmetryImages(_ free: [Double], objective: LearningObjective, limit: Int) -> [[Double]] {
    let full = objective.fullParameters(free)
    let frozen = Set(0..<objective.model.parameterCount).subtracting(objective.freeIndices)
    return objective.model.symmetryImages(full, limit: limit)
        .filter { image in frozen.allSatisfy { image[$0] == full[$0] } }
        .map { objective.freeParameters($0) }
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
public struct NewtonStartUnits: WorkUnitKind {
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

    public var count: Int { starts.count }

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
