import EBMAnalysis
import EBMDistributed
import EBMIO
import EBMLinearAlgebra
import Foundation

/// `ebmflow` as an MPI job. Started by a launcher (`mpirun -np N ebmflow
/// run ...`, `srun`), every process initialises MPI; rank 0 runs the
/// command as usual and hands out the units of long analyses (basin rows,
/// Newton starts, sweep members) to itself and to the other ranks, which
/// only compute (`WorkFarm.serve`). Without a launcher MPI is never touched.
enum Cluster {
    nonisolated(unsafe) static var farm: WorkFarm?
    nonisolated(unsafe) static var session: MPISession?

    /// Initialises MPI when launched by `mpirun` or `srun`. A rank other
    /// than 0 serves rank 0 and exits here; rank 0 returns and runs the
    /// command, and at exit dismisses the workers and finalises.
    static func startIfLaunched() {
        guard MPISession.isLaunched() else { return }
        let session: MPISession
        do {
            session = try MPISession.start()
        } catch {
            FileHandle.standardError.write(Data("error: cannot start MPI: \(error)\n".utf8))
            exit(1)
        }
        Cluster.session = session
        // The launcher binds each rank to a core, and OpenBLAS then runs one
        // thread: give it the count of a process without a launcher, so
        // every rank computes the bits of a single-process run.
        BLASThreads.set(BLASThreads.unboundDefault())
        if session.rank != 0 {
            do {
                try WorkFarm.serve(session: session, prepare: { bytes in
                    injectedFault(rank: session.rank, try WorkTask.decoded(bytes).prepare())
                }, collective: { FullModelJob.serve($0, session: session, stop: Signals.stop) })
                try session.finalize()
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("error: rank \(session.rank): \(error)\n".utf8))
                session.abort(code: 1)
            }
        }
        if session.size > 1 { farm = WorkFarm(session: session, threads: 1) }
        atexit { Cluster.shutdown() }
    }

    /// For tests of the failure path: `EBMFLOW_FAULT_RANK=r` makes rank r
    /// fail after `EBMFLOW_FAULT_AFTER` units (default 0), counted over the
    /// rank's life (a basin map hands out its rows in several tasks).
    static func injectedFault(rank: Int, _ make: @escaping @Sendable () throws -> UnitComputer) -> @Sendable () throws -> UnitComputer {
        let environment = ProcessInfo.processInfo.environment
        guard environment["EBMFLOW_FAULT_RANK"].flatMap(Int.init) == rank else { return make }
        let after = environment["EBMFLOW_FAULT_AFTER"].flatMap(Int.init) ?? 0
        return {
            let compute = try make()
            return { unit in
                guard faultCounter.next() > after else { return try compute(unit) }
                throw DistributedFailure(message: "injected fault (EBMFLOW_FAULT_RANK)")
            }
        }
    }

    /// Units a rank has begun (for `injectedFault`).
    final class UnitCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int { lock.withLock { count += 1; return count } }
    }
    static let faultCounter = UnitCounter()

    /// Under MPI a signal reaches rank 0 also when the launcher ends the job
    /// because another rank died: say so beside the interruption message.
    static func explain(_ error: Error) {
        guard session != nil, error is RunInterrupted else { return }
        FileHandle.standardError.write(Data("note: under mpirun a SIGINT or SIGTERM reaches rank 0 when the job is interrupted or cancelled, and also when another rank died (the launcher's message then names it)\n".utf8))
    }

    /// Rank 0's exit: workers dismissed and MPI finalised, unless a task was
    /// abandoned at a signal (workers may be mid-unit; the launcher, which
    /// sent the signal, ends them).
    static func shutdown() {
        guard let session, !session.isFinalized else { return }
        if let farm {
            if farm.isAbandoned { return }
            try? farm.dismissWorkers()
        }
        try? session.finalize()
    }

    /// Under MPI: the ranks' scheduler, and one compute thread per rank
    /// unless `--threads` says otherwise (a rank per core is the usual layout).
    static func attach(to options: inout RunOptions, threads: Int?) {
        guard let current = farm else { return }
        let perRank = max(1, threads ?? 1)
        farm = WorkFarm(session: current.session, threads: perRank)
        options.threads = perRank
        options.scheduler = MPIScheduler(farm: farm!)
    }
}
