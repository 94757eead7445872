import EBMThreads
import Foundation

/// Computes one work unit into the bytes that travel back to rank 0.
public typealias UnitComputer = (Int) throws -> [UInt8]

/// A rank that reported a failure, or a unit that failed on it.
public struct RankFailure: Error, CustomStringConvertible, Sendable {
    public let rank: Int
    /// The unit being computed, nil when the rank could not set up the task.
    public let unit: Int?
    public let message: String

    public var description: String {
        "rank \(rank) failed" + (unit.map { " on work unit \($0)" } ?? " to set up its work") + ": \(message)"
    }
}

/// The farm stopped handing out units because `shouldStop` said so (a
/// signal); the results that had arrived were passed on.
public struct FarmStopped: Error, CustomStringConvertible, Sendable {
    public let completedUnits: Int
    public let totalUnits: Int
    public var description: String { "stopped after \(completedUnits) of \(totalUnits) units" }
}

/// Dynamic distribution of independent work units over MPI ranks.
///
/// Rank 0 (`run`) sends a task (opaque bytes) to every other rank, then
/// hands out unit indices one at a time as slots free up, on its own
/// threads and on the other ranks' (`serve`), so a slow unit holds up only
/// its slot. Results come back as bytes and are passed to `onResult` on the
/// calling thread in arrival order; the caller orders them by unit.
///
/// Protocol (all on `MPI_COMM_WORLD`, per pair in order): rank 0 sends
/// `task` (slot count as Int64, then the task bytes; empty = finish); a
/// worker answers `request` (its slot count) or `failure`; rank 0 answers
/// each request slot and each `result` with `assign` (a unit, or -1: the
/// slot retires). A task ends when every slot of every rank has retired,
/// so no message of one task is left over for the next.
public final class WorkFarm {
    public let session: MPISession
    /// Compute threads per rank (rank 0's MPI thread only dispatches).
    public let threads: Int
    /// True once a task was abandoned mid-way (a stop): workers may still
    /// be computing, so the job cannot finalise cleanly.
    public private(set) var isAbandoned = false

    enum Tag {
        static let task: Int32 = 11, request: Int32 = 12, assign: Int32 = 13, result: Int32 = 14, failure: Int32 = 15
        static let collective: Int32 = 16
    }

    /// How long an idle MPI thread sleeps between polls (Open MPI's blocking
    /// calls spin, which would take a core from the compute threads).
    static let pollInterval: useconds_t = 500

    public init(session: MPISession, threads: Int) {
        precondition(threads >= 1)
        self.session = session
        self.threads = threads
    }

    // MARK: rank 0

    /// Computes `units` on every rank; `makeComputer` builds rank 0's
    /// computers (one per thread, from the same task as the workers').
    /// Throws `FarmStopped` at once when `shouldStop()` (results so far
    /// delivered), `RankFailure` after the ranks have drained their units
    /// when one failed, `MPIError` when communication fails.
    public func run(task: [UInt8], units: [Int], makeComputer: @escaping @Sendable () throws -> UnitComputer,
                    onResult: (Int, [UInt8]) throws -> Void, shouldStop: () -> Bool) throws {
        precondition(session.rank == 0, "WorkFarm.run is rank 0's")
        let workers = Array(1..<session.size)
        var message = Self.encode(Int64(threads))
        message += task
        // Rank 0 never blocks on a send: a rank that died would hold it
        // there, deaf to the stop that the launcher's signal asks for.
        var sends = try workers.map { try session.startSend(message, to: $0, tag: Tag.task) }

        var queue = units[...]
        var remaining = Set(units)
        var retired = [Int: Int](uniqueKeysWithValues: workers.map { ($0, 0) })
        var failure: RankFailure?
        let pool = WorkerPool<[UInt8]>(threads: threads, makeWorker: makeComputer)
        defer { pool.close() }
        var localBusy = 0

        func answer(_ rank: Int) throws {
            if failure == nil, let unit = queue.popFirst() {
                sends.append(try session.startSend(Self.encode(Int64(unit)), to: rank, tag: Tag.assign))
            } else {
                sends.append(try session.startSend(Self.encode(-1), to: rank, tag: Tag.assign))
                retired[rank, default: 0] += 1
            }
        }
        func deliver(_ unit: Int, _ bytes: [UInt8]) throws {
            if remaining.remove(unit) != nil { try onResult(unit, bytes) }
        }

        while true {
            if shouldStop() {
                isAbandoned = true
                throw FarmStopped(completedUnits: units.count - remaining.count, totalUnits: units.count)
            }
            var active = false
            while let envelope = try session.probe() {
                active = true
                let bytes = try session.receive(envelope)
                let rank = envelope.source
                switch envelope.tag {
                case Tag.request:
                    for _ in 0..<Int(Self.decode(bytes)) { try answer(rank) }
                case Tag.result:
                    try deliver(Int(Self.decode(bytes)), Array(bytes.dropFirst(8)))
                    try answer(rank)
                case Tag.failure:
                    let unit = Int(Self.decode(bytes))
                    let text = String(decoding: bytes.dropFirst(8), as: UTF8.self)
                    if failure == nil { failure = RankFailure(rank: rank, unit: unit < 0 ? nil : unit, message: text) }
                    if unit < 0 { retired[rank] = threads } else { try answer(rank) }
                default:
                    throw RankFailure(rank: rank, unit: nil, message: "unexpected message with tag \(envelope.tag)")
                }
            }
            for (unit, result) in pool.take() {
                active = true
                localBusy -= 1
                switch result {
                case let .success(bytes): try deliver(unit, bytes)
                case let .failure(error):
                    // A unit of rank 0 may end early at the stop request
                    // (it sees the same one): the stop, not a failure.
                    if failure == nil && !shouldStop() { failure = RankFailure(rank: 0, unit: unit, message: "\(error)") }
                }
            }
            while failure == nil && localBusy < threads, let unit = queue.popFirst() {
                pool.submit(unit)
                localBusy += 1
            }
            sends = try sends.filter { try !$0.isComplete() }
            let drained = localBusy == 0 && retired.values.allSatisfy { $0 == threads } && sends.isEmpty
            if drained && (remaining.isEmpty || failure != nil) { break }
            if !active { usleep(Self.pollInterval) }
        }
        if let failure { throw failure }
    }

    /// Starts a collective computation: every worker calls its `collective`
    /// handler with `job`, and rank 0 then makes the same calls itself
    /// (MPI collectives: all ranks in the same order).
    public func startCollective(_ job: [UInt8]) throws {
        for rank in 1..<max(session.size, 1) { try session.send(job, to: rank, tag: Tag.collective) }
    }

    /// Tells every worker that there is no more work (they finalise and exit).
    public func dismissWorkers() throws {
        for rank in 1..<max(session.size, 1) { try session.send([], to: rank, tag: Tag.task) }
    }

    // MARK: other ranks

    /// A worker's life: receive tasks from rank 0 and compute their units
    /// until rank 0 dismisses it. `prepare` turns a task into the maker of
    /// per-thread computers (called once per task on this thread).
    ///
    /// `collective` runs a job that rank 0 started with `startCollective`;
    /// the worker takes part in it (its MPI collectives) and then serves on.
    public static func serve(session: MPISession, prepare: ([UInt8]) throws -> @Sendable () throws -> UnitComputer,
                             collective: ([UInt8]) throws -> Void = { _ in }) throws {
        var pool: WorkerPool<[UInt8]>?
        var slots = 0, retired = 0
        var sends: [PendingSend] = []
        func report(_ unit: Int, _ text: String) throws {
            sends.append(try session.startSend(encode(Int64(unit)) + Array(text.utf8), to: 0, tag: Tag.failure))
        }
        serving: while true {
            var active = false
            while let envelope = try session.probe(from: 0) {
                active = true
                let bytes = try session.receive(envelope)
                switch envelope.tag {
                case Tag.task:
                    if bytes.isEmpty { break serving }
                    pool?.close()
                    slots = Int(decode(bytes))
                    retired = 0
                    do {
                        pool = WorkerPool(threads: slots, makeWorker: try prepare(Array(bytes.dropFirst(8))))
                        sends.append(try session.startSend(encode(Int64(slots)), to: 0, tag: Tag.request))
                    } catch {
                        pool = nil
                        try report(-1, "\(error)")
                    }
                case Tag.collective:
                    try collective(bytes)
                case Tag.assign:
                    let unit = decode(bytes)
                    if unit >= 0 { pool?.submit(Int(unit)) } else {
                        retired += 1
                        if retired == slots { pool?.close(); pool = nil }
                    }
                default:
                    throw RankFailure(rank: session.rank, unit: nil, message: "unexpected message with tag \(envelope.tag) from rank 0")
                }
            }
            for (unit, result) in pool?.take() ?? [] {
                active = true
                switch result {
                case let .success(bytes): sends.append(try session.startSend(encode(Int64(unit)) + bytes, to: 0, tag: Tag.result))
                case let .failure(error): try report(unit, "\(error)")
                }
            }
            sends = try sends.filter { try !$0.isComplete() }
            if !active { usleep(pollInterval) }
        }
        pool?.close()
        // Rank 0 received every result before dismissing: the sends complete.
        let deadline = Date().addingTimeInterval(10)
        while !sends.isEmpty && Date() < deadline {
            sends = try sends.filter { try !$0.isComplete() }
            usleep(pollInterval)
        }
    }

    // MARK: encoding

    static func encode(_ value: Int64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func decode(_ bytes: [UInt8]) -> Int64 {
        guard bytes.count >= 8 else { return -1 }
        var value: Int64 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes.prefix(8)) }
        return Int64(littleEndian: value)
    }
}
