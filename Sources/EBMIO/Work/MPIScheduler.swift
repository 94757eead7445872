import EBMAnalysis
import EBMDistributed

/// Units over MPI ranks (`ebmflow` under `mpirun`): this process (rank 0)
/// sends the units' recipe to every rank, hands out unit indices as slots
/// free up, computes on its own threads too, and passes the records on as
/// they arrive. Errors of the MPI layer become the analysis's
/// (`AnalysisInterrupted`, `DistributedFailure`). Units without a recipe
/// are computed on this process alone.
public final class MPIScheduler: WorkScheduler {
    public let farm: WorkFarm

    public init(farm: WorkFarm) { self.farm = farm }

    public var threads: Int { farm.threads }

    public var layout: String {
        "\(farm.session.size) ranks x \(farm.threads) thread\(farm.threads == 1 ? "" : "s")"
    }

    public func run<Kind: WorkUnitKind>(_ kind: Kind, units: [Int], stop: StopCondition,
                                        onResult: (Int, Kind.Record) throws -> Void) throws {
        guard let recipe = kind.recipe else {
            return try LocalScheduler(threads: threads).run(kind, units: units, stop: stop, onResult: onResult)
        }
        do {
            try farm.run(task: recipe.bytes, units: units, makeComputer: WorkTask.byteWorkers(kind),
                         onResult: { unit, bytes in try onResult(unit, try WorkRecordCoding.decode(Kind.Record.self, bytes)) },
                         shouldStop: { stop.isRequested })
        } catch let stopped as FarmStopped {
            throw Kind.interrupted(after: stopped.completedUnits, of: stopped.totalUnits)
        } catch let failure as RankFailure {
            throw DistributedFailure(message: "\(failure)")
        } catch let failure as MPIError {
            throw DistributedFailure(message: "\(failure)")
        }
    }
}
