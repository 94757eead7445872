import EBMAnalysis
import EBMCore
import EBMScenario
import EBMSolvers
import Foundation

/// Computes the units of a long analysis on several processes (an MPI
/// job: `ebmflow` under `mpirun`). The process that runs the analysis owns
/// the checkpoint and writes the files; the farm only computes units and
/// returns each one's checkpoint record as bytes.
public protocol UnitFarm: AnyObject {
    /// Computes `units` of `task` on every process (this one included),
    /// passing each unit's bytes (`DistributedTask.prepare`'s) to
    /// `onResult` on the calling thread as they arrive. Throws
    /// `AnalysisInterrupted` at once on an interruption request, and
    /// `DistributedFailure` when another process fails.
    func compute(_ task: DistributedTask, units: [Int], onResult: (Int, [UInt8]) throws -> Void) throws
    /// How the farm is made up, for progress lines (`3 ranks x 1 thread`).
    var layout: String { get }
}

/// Another process of a distributed run failed (or could not be reached).
public struct DistributedFailure: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// A distributed run stopped by a failed process after saving its checkpoint.
public struct DistributedRunFailed: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What every process needs to compute one analysis's units: the scenario
/// text (each process resolves it itself: model, target, solver settings)
/// and the values rank 0 decided (the plane, the grid, the Newton seed).
/// Doubles travel as bit patterns, so every process computes with the same
/// numbers and the files are the bytes of a single-process run.
public struct DistributedTask: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// A unit is a basin-map grid row; its bytes are a `[BasinCell]`.
        case basinRows
        /// A unit is a Newton start of `fixed_points`; bytes: a `NewtonRecord`.
        case newtonStarts
        /// A unit is a sweep member; bytes: a `SweepRecord`.
        case sweepMembers
    }

    public let kind: Kind
    let scenarioText: String
    let baseDirectory: String?
    let quick: Bool
    // basinRows
    var plane: PlaneRecord?
    var xs: [UInt64]?
    var ys: [UInt64]?
    var maximumTime: UInt64?
    var tolerance: UInt64?
    // newtonStarts
    var seed: UInt64?
    var gradientTolerance: UInt64?
    // sweepMembers
    var seeds: Int?

    init(kind: Kind, scenario: Scenario, quick: Bool) {
        self.kind = kind
        scenarioText = scenario.sourceText
        baseDirectory = scenario.baseDirectory
        self.quick = quick
    }

    public func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }

    public static func decoded(_ bytes: [UInt8]) throws -> DistributedTask {
        try JSONDecoder().decode(DistributedTask.self, from: Data(bytes))
    }

    /// The scenario as rank 0 ran it (`--quick` applied).
    func scenario() throws -> Scenario {
        let scenario = try Scenario.parse(yaml: scenarioText, fileName: "<scenario from rank 0>", baseDirectory: baseDirectory)
        return quick ? ScenarioRunner.quickened(scenario) : scenario
    }

    /// Resolves the task once per process and returns the maker of
    /// per-thread unit computers (each owns its solver memory).
    public func prepare() throws -> () throws -> (Int) throws -> [UInt8] {
        let scenario = try scenario()
        switch kind {
        case .basinRows:
            guard let record = plane, let xs, let ys, let maximumTime, let tolerance else {
                throw DistributedFailure(message: "incomplete basin task")
            }
            let resolved = try ResolvedScenario(scenario)
            let grid = (x: xs.map(Double.init(bitPattern:)), y: ys.map(Double.init(bitPattern:)))
            let plane = record.plane
            return {
                let mapper = try BasinMapper(objective: resolved.objective, method: resolved.method,
                                             maximumTime: Double(bitPattern: maximumTime), tolerance: Double(bitPattern: tolerance))
                return { j in
                    try DistributedWork.encode(BasinCell.cells(grid.x.map { mapper.outcome(from: plane.point($0, grid.y[j])) }))
                }
            }
        case .newtonStarts:
            guard let seed, let gradientTolerance else { throw DistributedFailure(message: "incomplete Newton task") }
            let problem = try ResolvedScenario(scenario).fixedPointProblem
            return {
                let newton = try NewtonSolver(residualTolerance: Double(bitPattern: gradientTolerance))
                return { k in
                    let start = try problem.startDistribution(seed &+ UInt64(k))
                    let outcome: NewtonOutcome
                    do { outcome = .solved(try newton.solve(GradientSystem(objective: problem.objective), from: start)) }
                    catch { outcome = .failed("\(error)") }
                    return try DistributedWork.encode(NewtonRecord(outcome))
                }
            }
        case .sweepMembers:
            let plan = try SweepRunner.plan(try Scenario.parse(yaml: scenarioText, fileName: "<scenario from rank 0>",
                                                               baseDirectory: baseDirectory),
                                            seeds: seeds, quick: quick)
            return {
                { i in
                    let resolved = try ScenarioRunner.check(plan.members[i].scenario)
                    let problem = OrderConvergenceProblem(flow: resolved.flowProblem, thresholds: plan.thresholds)
                    let record: SweepRecord
                    do { record = SweepRecord(convergence: try OrderConvergence.solve(problem, method: resolved.method), error: nil) }
                    catch { record = SweepRecord(convergence: nil, error: "\(error)") }
                    return try DistributedWork.encode(record)
                }
            }
        }
    }
}

/// A plane, bit-exact.
struct PlaneRecord: Codable, Sendable {
    let center: [UInt64]
    let u: [UInt64]
    let v: [UInt64]
    let xName: String
    let yName: String

    init(_ plane: Plane) {
        center = plane.center.map(\.bitPattern)
        u = plane.u.map(\.bitPattern)
        v = plane.v.map(\.bitPattern)
        xName = plane.xName
        yName = plane.yName
    }

    var plane: Plane {
        Plane(exactCenter: center.map(Double.init(bitPattern:)), u: u.map(Double.init(bitPattern:)), v: v.map(Double.init(bitPattern:)),
              xName: xName, yName: yName)
    }
}

/// The distributed versions of the three long analyses' unit loops: each
/// computes the units that `completed` lacks on the farm and returns them
/// all, so the analysis itself then only assembles (in unit order, hence
/// the same bytes as a single-process run).
enum DistributedWork {
    static func encode<Record: Encodable>(_ record: Record) throws -> [UInt8] {
        Array(try recordEncoder.encode(record))
    }

    static func decode<Record: Decodable>(_ type: Record.Type, _ bytes: [UInt8]) throws -> Record {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(bytes))
    }

    /// As checkpoints are written: non-finite doubles as strings.
    static var recordEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func basinRows(_ farm: UnitFarm, scenario: Scenario, quick: Bool, plane: Plane, xs: [Double], ys: [Double],
                          maximumTime: Double, tolerance: Double, completed: [Int: [BasinOutcome]], progress: Progress,
                          onRow: (Int, [BasinCell]) -> Void) throws -> [Int: [BasinOutcome]] {
        var task = DistributedTask(kind: .basinRows, scenario: scenario, quick: quick)
        task.plane = PlaneRecord(plane)
        task.xs = xs.map(\.bitPattern)
        task.ys = ys.map(\.bitPattern)
        task.maximumTime = maximumTime.bitPattern
        task.tolerance = tolerance.bitPattern
        var rows = completed
        let pending = ys.indices.filter { rows[$0]?.count != xs.count }
        progress.say("basins: \(pending.count) rows over \(farm.layout)")
        try farm.compute(task, units: pending) { j, bytes in
            let cells = try decode([BasinCell].self, bytes)
            rows[j] = try BasinCell.outcomes(cells)
            onRow(j, cells)
            progress.update("basins: \(rows.count)/\(ys.count) rows (\(100 * rows.count / max(ys.count, 1))%)")
        }
        return rows
    }

    static func newtonStarts(_ farm: UnitFarm, scenario: Scenario, quick: Bool, search: FixedPointSearch,
                             completed: [Int: NewtonOutcome], progress: Progress,
                             onStart: (Int, NewtonRecord) -> Void) throws -> [Int: NewtonOutcome] {
        var task = DistributedTask(kind: .newtonStarts, scenario: scenario, quick: quick)
        task.seed = search.seed
        task.gradientTolerance = search.gradientTolerance.bitPattern
        var outcomes = completed
        let pending = (0..<search.starts).filter { outcomes[$0] == nil }
        progress.say("fixed points: \(pending.count) Newton starts over \(farm.layout)")
        try farm.compute(task, units: pending) { k, bytes in
            let record = try decode(NewtonRecord.self, bytes)
            outcomes[k] = record.outcome
            onStart(k, record)
            progress.update("fixed points: \(outcomes.count)/\(search.starts) Newton starts")
        }
        return outcomes
    }

    static func sweepMembers(_ farm: UnitFarm, original: Scenario, quick: Bool, seeds: Int?, members: [SweepMember],
                             completed: [Int: SweepRunner.MemberResult], progress: Progress,
                             onMember: (Int, SweepRunner.MemberResult) -> Void) throws -> [Int: SweepRunner.MemberResult] {
        var task = DistributedTask(kind: .sweepMembers, scenario: original, quick: quick)
        task.seeds = seeds
        var results = completed
        let pending = members.indices.filter { results[$0] == nil }
        progress.say("sweep: \(pending.count) members over \(farm.layout)")
        try farm.compute(task, units: pending) { i, bytes in
            let record = try decode(SweepRecord.self, bytes)
            let result = SweepRunner.MemberResult(member: members[i], convergence: record.convergence, error: record.error)
            results[i] = result
            onMember(i, result)
            let member = members[i]
            progress.say("sweep: [\(results.count)/\(members.count)] member \(i) (value \(member.value), seed \(member.seed)) "
                         + (record.error.map { "failed: \($0)" } ?? "done"))
        }
        return results
    }
}

extension UnitCheckpoint {
    /// The message of a distributed run stopped by a failed process, after
    /// the checkpoint was written.
    func failed(_ folder: String, noun: String, because failure: DistributedFailure) -> DistributedRunFailed {
        DistributedRunFailed(message: "\(failure.message)\nthe run stopped: \(records.count) of \(units) \(noun) are done and saved in \(Self.path(analysis, in: folder)); continue with the same command and --resume (the result is the same as an uninterrupted run)")
    }
}
