import Foundation

/// Threads that compute work units handed to them one at a time.
///
/// Each thread makes its own worker when it starts (its own solver memory
/// and SUNDIALS context: nothing is shared between threads), then takes
/// units from the inbox in submission order; results wait in an outbox
/// until the owner takes them. This is the one pool for units of work:
/// the local scheduler of long analyses and each MPI rank's compute
/// threads both run on it. (The chunks inside one all-states pass run on
/// EBMCore's `KernelTeam`, built for passes a few microseconds apart.)
public final class WorkerPool<Output>: @unchecked Sendable {
    /// Computes one unit (a basin row, a Newton start, a sweep member).
    public typealias Worker = (Int) throws -> Output

    private let condition = NSCondition()
    private var inbox: [Int] = []
    private var outbox: [(unit: Int, result: Result<Output, Error>)] = []
    private var closed = false
    public let threads: Int

    /// Starts `threads` threads; each calls `makeWorker` once. A thread whose
    /// `makeWorker` throws answers every unit it takes with that error.
    public init(threads: Int, makeWorker: @escaping @Sendable () throws -> Worker) {
        precondition(threads >= 1)
        self.threads = threads
        for index in 0..<threads {
            let thread = Thread { [self] in work(makeWorker) }
            thread.name = "ebmflow-unit-\(index)"
            // Deep recursion in YAML and JSON coding needs more than the default.
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    private func work(_ makeWorker: () throws -> Worker) {
        let worker = Result { try makeWorker() }
        while true {
            condition.lock()
            while inbox.isEmpty && !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let unit = inbox.removeFirst()
            condition.unlock()
            let result = worker.flatMap { compute in Result { try compute(unit) } }
            condition.lock()
            outbox.append((unit, result))
            condition.broadcast()
            condition.unlock()
        }
    }

    public func submit(_ unit: Int) {
        condition.lock()
        inbox.append(unit)
        condition.broadcast()
        condition.unlock()
    }

    /// The results finished since the last call, waiting up to `seconds`
    /// for one when there is none yet (0: do not wait).
    public func take(waitingUpTo seconds: Double = 0) -> [(unit: Int, result: Result<Output, Error>)] {
        condition.lock()
        defer { condition.unlock() }
        if outbox.isEmpty && seconds > 0 { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        let done = outbox
        outbox.removeAll()
        return done
    }

    /// Threads exit once idle; a unit being computed is finished and dropped.
    public func close() {
        condition.lock()
        closed = true
        inbox.removeAll()
        condition.broadcast()
        condition.unlock()
    }

}
