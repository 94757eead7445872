#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM once `Interruption.install()` ran; long analyses
/// poll it between work units, stop taking new ones, and let the caller
/// write a checkpoint.
nonisolated(unsafe) private var interruptSignal: sig_atomic_t = 0

public enum Interruption {
    /// Installs handlers for SIGINT and SIGTERM that only set a flag, and
    /// unblocks both (a process started by a parent that blocks them would
    /// otherwise never see them).
    public static func install() {
        signal(SIGINT) { _ in interruptSignal = 1 }
        signal(SIGTERM) { _ in interruptSignal = 1 }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public static var isRequested: Bool { interruptSignal != 0 }

    /// For tests: request (or clear) an interruption as a signal would.
    public static func set(_ requested: Bool) { interruptSignal = requested ? 1 : 0 }
}

/// A long analysis stopped at a signal (or `shouldStop`) with the units it
/// had finished; the caller checkpoints them.
public struct AnalysisInterrupted: Error, CustomStringConvertible {
    public let analysis: String
    public let completedUnits: Int
    public let totalUnits: Int

    public init(analysis: String, completedUnits: Int, totalUnits: Int) {
        self.analysis = analysis
        self.completedUnits = completedUnits
        self.totalUnits = totalUnits
    }

    public var description: String {
        "\(analysis) interrupted after \(completedUnits) of \(totalUnits) units"
    }
}
