import Foundation
import Testing
import EBMAnalysis

/// A kind whose unit `k` is `k²` after a short sleep, counting how many
/// workers were made and failing on `failingUnit`.
final class SquareUnits: WorkUnitKind, @unchecked Sendable {
    typealias Record = Int
    static let analysis = "squares"
    static let unitNoun = "squares"
    let count: Int
    let failingUnit: Int?
    let onUnit: (Int) -> Void
    private let lock = NSLock()
    private(set) var workersMade = 0
    var recipe: WorkRecipe? { nil }

    init(count: Int, failingUnit: Int? = nil, onUnit: @escaping (Int) -> Void = { _ in }) {
        self.count = count
        self.failingUnit = failingUnit
        self.onUnit = onUnit
    }

    struct UnitFailed: Error {}

    func makeWorker() throws -> (Int) throws -> Int {
        lock.withLock { workersMade += 1 }
        return { [self] k in
            usleep(2000)
            onUnit(k)
            if k == failingUnit { throw UnitFailed() }
            return k * k
        }
    }
}

/// A value shared by the workers of a test.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}

@Suite struct WorkEngineTests {
    /// Every unit once, the same records whatever the thread count, one
    /// worker per thread at most.
    @Test func everyUnitOnceOnAnyNumberOfThreads() throws {
        for threads in [1, 2, 5] {
            let kind = SquareUnits(count: 23)
            var seen: [Int] = []
            let records = try LocalScheduler(threads: threads).records(kind, stop: .never) { k, _ in seen.append(k) }
            #expect(records == Dictionary(uniqueKeysWithValues: (0..<23).map { ($0, $0 * $0) }))
            #expect(seen.sorted() == Array(0..<23))
            #expect(kind.workersMade <= threads && kind.workersMade >= 1)
        }
    }

    /// A stop request ends the run with `AnalysisInterrupted` after the
    /// units in flight; resuming from what was delivered computes only the
    /// rest and keeps the delivered records as they were given.
    @Test func stopThenResumeGivesTheSameRecords() throws {
        let flag = StopFlag()
        let kind = SquareUnits(count: 40) { k in if k == 5 { flag.raise() } }
        var delivered: [Int: Int] = [:]
        #expect(throws: AnalysisInterrupted.self) {
            _ = try LocalScheduler(threads: 2).records(kind, stop: flag.condition) { k, record in delivered[k] = record }
        }
        #expect(!delivered.isEmpty && delivered.count < 40)
        let computed = Locked<[Int]>([])
        let again = SquareUnits(count: 40) { k in computed.withLock { $0.append(k) } }
        let resumed = try LocalScheduler(threads: 2).records(again, completed: delivered, stop: .never)
        #expect(resumed == Dictionary(uniqueKeysWithValues: (0..<40).map { ($0, $0 * $0) }))
        #expect(Set(computed.withLock { $0 }) == Set(0..<40).subtracting(delivered.keys))
        #expect(computed.withLock { $0.count } == 40 - delivered.count, "each missing unit once")

        // The saved records are taken as they are, not computed again.
        let marked = delivered.mapValues { _ in -1 }
        let kept = try LocalScheduler(threads: 2).records(SquareUnits(count: 40), completed: marked, stop: .never)
        for k in delivered.keys { #expect(kept[k] == -1) }
    }

    /// A unit's error reaches the caller; the others are not lost.
    @Test func aFailingUnitThrowsItsError() throws {
        var delivered = 0
        #expect(throws: SquareUnits.UnitFailed.self) {
            try LocalScheduler(threads: 2).run(SquareUnits(count: 10, failingUnit: 3), units: Array(0..<10), stop: .never) { _, _ in
                delivered += 1
            }
        }
        #expect(delivered >= 1)
    }

    /// Records survive the checkpoint coding bit for bit, non-finite values included.
    @Test func recordCodingIsExact() throws {
        let values = [0.1, -0.0, .infinity, -.infinity, 1e-308, .pi]
        let back = try WorkRecordCoding.decode([Double].self, try WorkRecordCoding.encode(values))
        #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
        let nan = try WorkRecordCoding.decode([Double].self, try WorkRecordCoding.encode([Double.nan]))
        #expect(nan[0].isNaN)
    }
}
