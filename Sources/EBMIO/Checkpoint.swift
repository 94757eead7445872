import EBMAnalysis
import EBMCore
import EBMSolvers
import Foundation

/// A run stopped by SIGINT/SIGTERM after saving what it had finished.
public struct RunInterrupted: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What an interrupted long analysis had finished: the results of its
/// completed units (basin rows, sweep members, Newton starts), keyed by
/// unit index. Written atomically to `.checkpoint-ANALYSIS.json` in the
/// output folder at intervals and on interruption, removed when the
/// analysis completes. Doubles that feed later computations are stored as
/// bit patterns, so a resumed run produces the same bytes.
struct UnitCheckpoint<Record: Codable>: Codable {
    let version: String
    let scenarioHash: String
    let analysis: String
    let units: Int
    var records: [Int: Record]

    static func fileName(_ analysis: String) -> String { ".checkpoint-\(analysis).json" }
    static func path(_ analysis: String, in folder: String) -> String {
        (folder as NSString).appendingPathComponent(fileName(analysis))
    }

    init(analysis: String, scenarioHash: String, units: Int) {
        version = EBMFlowVersion.current
        self.scenarioHash = scenarioHash
        self.analysis = analysis
        self.units = units
        records = [:]
    }

    func write(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(self), to: Self.path(analysis, in: folder))
    }

    /// The saved checkpoint of this analysis when resuming, checked to
    /// belong to the same scenario and size; otherwise a fresh one.
    static func start(_ analysis: String, scenarioHash: String, units: Int, folder: String, resume: Bool,
                      progress: Progress) throws -> UnitCheckpoint {
        let fresh = UnitCheckpoint(analysis: analysis, scenarioHash: scenarioHash, units: units)
        let path = path(analysis, in: folder)
        guard resume, FileManager.default.fileExists(atPath: path) else { return fresh }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let saved: UnitCheckpoint
        do {
            saved = try decoder.decode(UnitCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw RunInterrupted(message: "cannot read the checkpoint \(path) (\(error)); run with --force to start again")
        }
        guard saved.scenarioHash == scenarioHash, saved.units == units, saved.analysis == analysis else {
            throw RunInterrupted(message: "the checkpoint \(path) belongs to another scenario or size; run with --force to start again")
        }
        progress.say("\(analysis): resuming with \(saved.records.count) of \(units) units done")
        return saved
    }

    func remove(from folder: String) {
        try? FileManager.default.removeItem(atPath: Self.path(analysis, in: folder))
    }

    func interrupted(_ folder: String, noun: String) -> RunInterrupted {
        RunInterrupted(message: "interrupted: \(records.count) of \(units) \(noun) are done and saved in \(Self.path(analysis, in: folder)); continue with the same command and --resume (the result is the same as an uninterrupted run)")
    }
}

/// Writes a checkpoint at most every `interval` seconds.
final class CheckpointClock {
    let interval: Double
    private var last = Date.distantPast
    init(interval: Double) { self.interval = interval }
    func isDue() -> Bool {
        let now = Date()
        guard now.timeIntervalSince(last) >= interval else { return false }
        last = now
        return true
    }
}

/// The checkpoint files an interrupted run may leave.
enum Checkpoints {
    static let analyses = ["basins", "sweep", "fixed_points"]
    static func existing(in folder: String) -> [String] {
        analyses.map { UnitCheckpoint<Int>.path($0, in: folder) }.filter { FileManager.default.fileExists(atPath: $0) }
    }
}

/// One basin-map cell, bit-exact.
struct BasinCell: Codable {
    let kind: String
    let time: UInt64?
    let state: [UInt64]?
    let reason: String?

    static func cells(_ row: [BasinOutcome]) -> [BasinCell] {
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

    static func outcomes(_ cells: [BasinCell]) throws -> [BasinOutcome] {
        try cells.map { cell in
            let state = (cell.state ?? []).map(Double.init(bitPattern:))
            switch cell.kind {
            case "converged": return .converged(state: state, time: Double(bitPattern: cell.time ?? 0))
            case "unconverged": return .unconverged(state: state)
            case "escaped": return .escaped(state: state)
            case "failed": return .failed(reason: cell.reason ?? "")
            default: throw RunInterrupted(message: "the basin checkpoint holds an unknown outcome `\(cell.kind)`")
            }
        }
    }
}

/// One Newton solve of a fixed-point enumeration, bit-exact.
struct NewtonRecord: Codable {
    let solution: [UInt64]?
    let residual: [UInt64]?
    let iterations: Int?
    let residualEvaluations: Int?
    let jacobianEvaluations: Int?
    let status: NewtonResult.Status?
    let nullity: Int?
    let method: String?
    let failure: String?

    init(_ outcome: NewtonOutcome) {
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

    var outcome: NewtonOutcome {
        guard let solution, let residual, let status else { return .failed(failure ?? "") }
        return .solved(NewtonResult(solution: solution.map(Double.init(bitPattern:)), residual: residual.map(Double.init(bitPattern:)),
                                    iterations: iterations ?? 0, residualEvaluations: residualEvaluations ?? 0,
                                    jacobianEvaluations: jacobianEvaluations ?? 0, status: status, nullity: nullity,
                                    method: method ?? ""))
    }
}
