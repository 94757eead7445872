import Foundation

/// Computes one work unit into the bytes that travel back to rank 0.
public typealias UnitComputer = (Int) throws -> [UInt8]

/// Threads of one rank that compute units handed to them by the rank's
/// MPI thread. Each thread makes its own computer (its own solver memory
/// and SUNDIALS context) when it starts; results wait in an outbox until
/// the MPI thread takes them.
final class LocalPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var inbox: [Int] = []
    private var outbox: [(unit: Int, result: Result<[UInt8], Error>)] = []
    private var closed = false
    let threads: Int

    init(threads: Int, makeComputer: @escaping () throws -> UnitComputer) {
        self.threads = threads
        for index in 0..<threads {
            let thread = Thread { [self] in work(makeComputer) }
            thread.name = "ebmflow-unit-\(index)"
            // Deep recursion in YAML and JSON coding needs more than the default.
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    private func work(_ makeComputer: () throws -> UnitComputer) {
        let computer = Result { try makeComputer() }
        while true {
            condition.lock()
            while inbox.isEmpty && !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let unit = inbox.removeFirst()
            condition.unlock()
            let result = computer.flatMap { compute in Result { try compute(unit) } }
            condition.lock()
            outbox.append((unit, result))
            condition.unlock()
        }
    }

    func submit(_ unit: Int) {
        condition.lock()
        inbox.append(unit)
        condition.signal()
        condition.unlock()
    }

    /// The results finished since the last call.
    func take() -> [(unit: Int, result: Result<[UInt8], Error>)] {
        condition.lock()
        defer { condition.unlock() }
        let done = outbox
        outbox.removeAll()
        return done
    }

    /// Threads exit once idle; a unit being computed is finished and dropped.
    func close() {
        condition.lock()
        closed = true
        inbox.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
