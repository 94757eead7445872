import Foundation

/// When a long analysis should stop taking new work units: a value the
/// caller passes in. The analysis polls it between units and then throws
/// `AnalysisInterrupted` with what it finished, for the caller to
/// checkpoint. Libraries never install signal handlers; the executable
/// makes its stop condition from SIGINT/SIGTERM.
public struct StopCondition: Sendable {
    private let check: @Sendable () -> Bool

    public init(_ check: @escaping @Sendable () -> Bool) { self.check = check }

    public var isRequested: Bool { check() }

    /// Never stops (tests, and runs nobody can interrupt).
    public static let never = StopCondition { false }

    /// Throws `AnalysisInterrupted` for `analysis`, a phase without units
    /// to checkpoint (it is computed again on resuming), when a stop is
    /// requested.
    public func check(_ analysis: String) throws {
        if isRequested { throw AnalysisInterrupted(analysis: analysis, completedUnits: 0, totalUnits: 1) }
    }
}

/// A stop request that a test (or any thread) can raise.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    public init() {}

    public func raise() { lock.withLock { raised = true } }

    public var condition: StopCondition { StopCondition { [self] in lock.withLock { raised } } }
}

/// A long analysis stopped at a stop request with the units it had
/// finished; the caller checkpoints them.
public struct AnalysisInterrupted: Error, CustomStringConvertible {
    public let analysis: String
    public let completedUnits: Int
    public let totalUnits: Int

    public var description: String {
        "\(analysis) interrupted after \(completedUnits) of \(totalUnits) units"
    }
}

/// Another process of a distributed run failed (or could not be reached).
public struct DistributedFailure: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
