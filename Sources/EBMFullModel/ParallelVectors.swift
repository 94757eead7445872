import CSundialsParallel
import EBMDistributed
import EBMSolvers

/// SUNDIALS' `nvector_parallel` on `MPI_COMM_WORLD`, for `CVodeIntegrator`:
/// each rank holds `localLength` entries of a vector of `globalLength`, and
/// CVODE's dot products and norms are `MPI_Allreduce`s. Collective: every
/// rank builds its integrator with one.
final class ParallelVectors: VectorFactory {
    let session: MPISession
    let globalLength: Int
    /// The `MPI_Comm` `SUNContext_Create` receives a pointer to; it lives as
    /// long as this factory, which the integrator keeps until its context
    /// is freed.
    private let communicatorStorage: UnsafeMutablePointer<MPI_Comm?>

    init(session: MPISession, globalLength: Int) {
        self.session = session
        self.globalLength = globalLength
        communicatorStorage = .allocate(capacity: 1)
        communicatorStorage.initialize(to: ebm_sundials_comm_world())
    }

    deinit {
        communicatorStorage.deinitialize(count: 1)
        communicatorStorage.deallocate()
    }

    var communicator: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(communicatorStorage) }
    var constructorName: String { "N_VNew_Parallel" }
    var isSerial: Bool { false }

    func makeVector(localLength: Int, context: OpaquePointer) -> UnsafeMutableRawPointer? {
        N_VNew_Parallel(ebm_sundials_comm_world(), sunindextype(localLength), sunindextype(globalLength), context)
            .map { UnsafeMutableRawPointer($0) }
    }

    /// The worst answer over the ranks (-1 over +1 over 0), one
    /// `MPI_Allreduce` per callback when there is more than one rank; a
    /// failed reduction stops CVODE.
    func agreed(_ flag: Int32) -> Int32? {
        guard session.size > 1 else { return nil }
        let severity: Double = flag < 0 ? 2 : flag > 0 ? 1 : 0
        guard let worst = try? session.maximum([severity])[0] else { return -1 }
        return worst >= 2 ? -1 : worst >= 1 ? 1 : 0
    }
}
