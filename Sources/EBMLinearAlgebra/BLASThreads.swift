import CLapack
import Foundation

/// OpenBLAS's own threads. Some of its routines split sums over threads,
/// so the last bits of results depend on the thread count; OpenBLAS picks
/// it when loaded, from the processors the process may run on.
public enum BLASThreads {
    /// `openblas_get_num_threads`.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// `openblas_set_num_threads`.
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// The count OpenBLAS picks in a process that no launcher bound to a
    /// core: the online processors, capped by `OPENBLAS_NUM_THREADS` (or
    /// `GOTO_NUM_THREADS`, else `OMP_NUM_THREADS`) when set. A rank that
    /// `mpirun` bound to one core starts with 1; setting this count makes it
    /// compute the same bits as `ebmflow` run without a launcher.
    public static func unboundDefault(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        let processors = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        func value(_ name: String) -> Int? { environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        let requested = value("OPENBLAS_NUM_THREADS") ?? value("GOTO_NUM_THREADS") ?? value("OMP_NUM_THREADS")
        return min(requested ?? processors, processors)
    }
}
