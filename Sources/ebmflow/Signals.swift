#if canImport(Glibc)
import Glibc
#endif
import EBMAnalysis

/// Set by SIGINT/SIGTERM once `Signals.install()` ran.
nonisolated(unsafe) private var interruptSignal: sig_atomic_t = 0

/// The executable's stop condition: SIGINT and SIGTERM ask long analyses
/// to stop taking new units and checkpoint what they finished. Only the
/// executable installs signal handlers; the library takes the condition
/// as a value (`RunOptions.stop`).
enum Signals {
    /// Installs handlers for SIGINT and SIGTERM that only set a flag, and
    /// unblocks both (a process started by a parent that blocks them would
    /// otherwise never see them).
    static func install() {
        signal(SIGINT) { _ in interruptSignal = 1 }
        signal(SIGTERM) { _ in interruptSignal = 1 }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static let stop = StopCondition { interruptSignal != 0 }
}
