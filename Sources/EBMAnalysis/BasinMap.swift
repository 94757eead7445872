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
}

/// Integrates the flow from given starts until `|∇L| < tolerance` or
/// `maximumTime`, then polishes a converged end point with Newton (so that
/// it is classified at a stationary point, not where the flow stopped).
/// Owns one CVODE integrator (reinitialised per start), so each thread
/// needs its own mapper.
public final class BasinMapper {
    public let flow: GradientFlow
    public let maximumTime: Double
    let polish: NewtonSolver
    let system: GradientSystem

    public init(objective: LearningObjective, method: GradientFlowMethod, maximumTime: Double, tolerance: Double,
                polishTolerance: Double = 1e-10) throws {
        let problem = GradientFlowProblem(objective: objective, initialParameters: [Double](repeating: 0, count: objective.dimension),
                                          endTime: maximumTime, gradientTolerance: tolerance)
        flow = try GradientFlow(problem: problem, method: method)
        self.maximumTime = maximumTime
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

    public func outcome(from start: [Double]) -> BasinOutcome {
        do {
            try flow.restart(from: start)
            // The escape test compares the last decade of time with the rest.
            if try flow.integrate(until: maximumTime / 10) == .gradientTolerance {
                return .converged(state: polished(flow.state), time: flow.time)
            }
            let earlier = flow.state
            if try flow.integrate(until: maximumTime) == .gradientTolerance {
                return .converged(state: polished(flow.state), time: flow.time)
            }
            let objective = flow.problem.objective
            let end = flow.state
            let growth = Vector.norm(objective.fullParameters(end)) - Vector.norm(objective.fullParameters(earlier))
            let change = Vector.norm(Vector.difference(objective.evaluate(end).couplings, objective.evaluate(earlier).couplings))
            if growth > TrajectoryDiagnostics.escapeGrowth && change < TrajectoryDiagnostics.escapeCouplingRatio * growth {
                return .escaped(state: end)
            }
            return .unconverged(state: end)
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
    /// Convergence time at each grid point (nil unless converged).
    public let times: [[Double?]]
    public let attractors: [Attractor]
    public let catalog: FixedPointCatalog
    public let failures: [String]

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

/// The starts of a basin map as work units: unit `j` is grid row `j`,
/// integrated from `(xs[i], ys[j])` for every `i` by one thread's mapper.
public struct BasinRowUnits: WorkUnitKind {
    public typealias Record = [BasinCell]
    public static let analysis = "basins"
    public static let unitNoun = "basin rows"

    public let objective: LearningObjective
    public let method: GradientFlowMethod
    public let plane: Plane
    public let xs: [Double]
    public let ys: [Double]
    public let maximumTime: Double
    public let tolerance: Double
    public let recipe: WorkRecipe?

    /// With more than one worker thread the workers are the parallelism:
    /// each one's all-states passes stay on its own thread.
    public init(objective: LearningObjective, method: GradientFlowMethod, plane: Plane, xs: [Double], ys: [Double],
                maximumTime: Double, tolerance: Double, threads: Int, recipe: WorkRecipe? = nil) {
        var method = method
        if threads > 1 { method.parallelism = .serial }
        self.objective = objective
        self.method = method
        self.plane = plane
        self.xs = xs
        self.ys = ys
        self.maximumTime = maximumTime
        self.tolerance = tolerance
        self.recipe = recipe
    }

    public var count: Int { ys.count }

    public func makeWorker() throws -> (Int) throws -> [BasinCell] {
        let mapper = try BasinMapper(objective: objective, method: method, maximumTime: maximumTime, tolerance: tolerance)
        return { j in BasinCell.cells(xs.map { mapper.outcome(from: plane.point($0, ys[j])) }) }
    }
}

/// Basin map over a grid: the rows are computed by `scheduler` (each
/// worker owns its mapper and SUNDIALS context); labelling runs afterwards
/// in grid order, so the map and the catalog do not depend on how the rows
/// were computed. `completedRows` (of an interrupted run) are taken as they
/// are; `onRow` sees every new row (to checkpoint it); `stop` ends the run
/// with `AnalysisInterrupted`.
public func basinMap(_ units: BasinRowUnits, catalog initial: FixedPointCatalog, tolerances: ClassificationTolerances,
                     identity: AttractorIdentity = .parameters, matchTolerance: Double = 1e-6,
                     scheduler: WorkScheduler, stop: StopCondition = .never, completedRows: [Int: [BasinCell]] = [:],
                     onRow: ((Int, [BasinCell]) throws -> Void)? = nil,
                     progress: ((Int, Int) -> Void)? = nil) throws -> BasinMap {
    let (xs, ys, objective) = (units.xs, units.ys, units.objective)
    var done = completedRows.filter { $0.value.count == xs.count }.count
    let rows = try scheduler.records(units, completed: completedRows.filter { $0.value.count == xs.count }, stop: stop) { j, row in
        try onRow?(j, row)
        done += 1
        progress?(done, ys.count)
    }
    var catalog = initial
    var attractors: [Attractor] = []
    var failures: [String] = []
    var labels = [[BasinLabel]]()
    var times = [[Double?]]()
    for j in ys.indices {
        var labelRow = [BasinLabel](), timeRow = [Double?]()
        for (i, outcome) in try BasinCell.outcomes(rows[j] ?? []).enumerated() {
            switch outcome {
            case let .converged(state, time):
                labelRow.append(.attractor(try attractorIndex(state, objective: objective, identity: identity, tolerance: matchTolerance,
                                                              attractors: &attractors, catalog: &catalog, tolerances: tolerances)))
                timeRow.append(time)
            case .unconverged:
                labelRow.append(.unconverged); timeRow.append(nil)
            case .escaped:
                labelRow.append(.escaped); timeRow.append(nil)
            case let .failed(reason):
                labelRow.append(.failed); timeRow.append(nil)
                failures.append("(\(xs[i]), \(ys[j])): \(reason)")
            }
        }
        labels.append(labelRow)
        times.append(timeRow)
    }
    return BasinMap(plane: units.plane, xs: xs, ys: ys, labels: labels, times: times, attractors: attractors, catalog: catalog,
                    failures: failures)
}

/// One basin-map cell, bit-exact (checkpoints and MPI carry these).
public struct BasinCell: Codable, Sendable {
    let kind: String
    let time: UInt64?
    let state: [UInt64]?
    let reason: String?

    public static func cells(_ row: [BasinOutcome]) -> [BasinCell] {
        row.map { outcome in
            switch outcome {
            case let .converged(state, time):
                return BasinCell(kind: "converged", time: time.bitPattern, state: state.map(\.bitPattern), reason: nil)
            case let .unconverged(state):
                return BasinCell(kind: "unconverged", time: nil, state: state.map(\.bitPattern), reason: nil)
            case let .escaped(state):
                return BasinCell(kind: "escaped", time: nil, state: state.map(\.bitPattern), reason: nil)
            case let .failed(reason):
                return BasinCell(kind: "failed", time: nil, state: nil, reason: reason)
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
    let scale = tolerance * max(1, Vector.norm(state))
    if let k = attractors.firstIndex(where: { attractor in
        switch identity {
        case .parameters: return Vector.norm(Vector.difference(attractor.representative, state)) <= scale
        case .effectiveModel: return Vector.norm(Vector.difference(attractor.couplings, couplings)) <= tolerance
        }
    }) {
        return k
    }
    let point = try FixedPoint.classify(state, objective: objective, tolerances: tolerances, foundBy: "basins")
    let (index, _) = catalog.insert(point)
    attractors.append(Attractor(representative: state, couplings: couplings, catalogIndex: index))
    return attractors.count - 1
}
