import EBMThreads
import Foundation

/// A kind of work unit of a long analysis: units are numbered
/// `0 ..< count`, independent of each other, and each one's result is a
/// `Record` that holds every double bit-exactly, so a record that went
/// through a checkpoint or over MPI gives the same files as one computed
/// in place. Basin rows, Newton starts and sweep members are the kinds.
public protocol WorkUnitKind: Sendable {
    associatedtype Record: Codable & Sendable
    /// The analysis's name in checkpoints and messages (`basins`).
    static var analysis: String { get }
    /// What a unit is called in progress lines (`basin rows`).
    static var unitNoun: String { get }
    /// How many units there are.
    var count: Int { get }
    /// Makes one thread's worker: it owns its solver memory, so every
    /// thread calls this once and never shares the result.
    func makeWorker() throws -> (Int) throws -> Record
    /// How another process rebuilds these units (an MPI rank resolves the
    /// same scenario); nil when they can only be computed here.
    var recipe: WorkRecipe? { get }
    /// Raised when a build computes the records of the same units another
    /// way, so that a checkpoint of an earlier scheme is not resumed into
    /// files an uninterrupted run would not write.
    static var recordScheme: Int { get }
}

extension WorkUnitKind {
    /// No recipe: units that only this process computes.
    public var recipe: WorkRecipe? { nil }

    /// The first scheme.
    public static var recordScheme: Int { 1 }

    /// The error that ends a run of this kind stopped after `completed` of
    /// `total` units.
    public static func interrupted(after completed: Int, of total: Int) -> AnalysisInterrupted {
        AnalysisInterrupted(analysis: analysis, completedUnits: completed, totalUnits: total)
    }
}

/// Units that are one per start: unit `k` begins at `starts[k]`.
public protocol StartUnits: WorkUnitKind {
    var starts: [[Double]] { get }
}

extension StartUnits {
    public var count: Int { starts.count }
}

/// The bytes from which another process rebuilds a kind of units (its
/// meaning belongs to whoever made it: `WorkTask` in EBMIO).
public struct WorkRecipe: Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// Computes units of any kind: on local threads, or over MPI ranks.
/// `onResult` sees each record on the calling thread as it arrives (in
/// any order: callers assemble by unit index). Throws
/// `AnalysisInterrupted` when `stop` asks for it (the records so far
/// delivered), `DistributedFailure` when another process fails, and a
/// unit's own error when one throws.
public protocol WorkScheduler {
    /// Threads that compute on this process.
    var threads: Int { get }
    /// How the scheduler is made up, for progress lines (`2 threads`, `3 ranks x 1 thread`).
    var layout: String { get }
    func run<Kind: WorkUnitKind>(_ kind: Kind, units: [Int], stop: StopCondition,
                                 onResult: (Int, Kind.Record) throws -> Void) throws
}

extension WorkScheduler {
    /// Runs every unit that `completed` lacks and returns all records.
    public func records<Kind: WorkUnitKind>(_ kind: Kind, completed: [Int: Kind.Record] = [:], stop: StopCondition,
                                            onResult: (Int, Kind.Record) throws -> Void = { _, _ in }) throws -> [Int: Kind.Record] {
        var records = completed.filter { $0.key >= 0 && $0.key < kind.count }
        let pending = (0..<kind.count).filter { records[$0] == nil }
        try run(kind, units: pending, stop: stop) { unit, record in
            records[unit] = record
            try onResult(unit, record)
        }
        return records
    }
}

/// Units on this process's threads, handed out one at a time as threads
/// free up (so a slow unit holds up only its thread). Results do not
/// depend on the number of threads: callers assemble by unit index.
public struct LocalScheduler: WorkScheduler {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    public var layout: String { "\(threads) thread\(threads == 1 ? "" : "s")" }

    /// How often a waiting scheduler looks at the stop condition.
    static let pollSeconds = 0.05

    public func run<Kind: WorkUnitKind>(_ kind: Kind, units: [Int], stop: StopCondition,
                                        onResult: (Int, Kind.Record) throws -> Void) throws {
        guard !units.isEmpty else { return }
        let pool = WorkerPool<Kind.Record>(threads: min(threads, units.count), makeWorker: kind.makeWorker)
        defer { pool.close() }
        var queue = units[...]
        var busy = 0, delivered = 0
        var firstError: Error?
        while true {
            let stopping = firstError != nil || stop.isRequested
            while !stopping && busy < pool.threads, let unit = queue.popFirst() {
                pool.submit(unit)
                busy += 1
            }
            if busy == 0 { break }
            for (unit, result) in pool.take(waitingUpTo: Self.pollSeconds) {
                busy -= 1
                switch result {
                case let .success(record):
                    try onResult(unit, record)
                    delivered += 1
                case .failure(is AnalysisInterrupted):
                    break // a unit that saw the stop request: not delivered
                case let .failure(error):
                    if firstError == nil { firstError = error }
                }
            }
        }
        if let firstError { throw firstError }
        if delivered < units.count {
            throw Kind.interrupted(after: delivered, of: units.count)
        }
    }
}

/// Records travel and are checkpointed as JSON with non-finite doubles as
/// strings (the rest as bit patterns inside the records).
public enum WorkRecordCoding {
    public static func encode<Record: Encodable>(_ record: Record) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try encoder.encode(record))
    }

    public static func decode<Record: Decodable>(_ type: Record.Type, _ bytes: [UInt8]) throws -> Record {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(bytes))
    }
}
