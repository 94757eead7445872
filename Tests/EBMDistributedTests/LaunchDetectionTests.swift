import Testing
@testable import EBMDistributed

/// MPI is initialised only under a launcher: `ebmflow` without `mpirun`
/// never touches MPI.
struct LaunchDetectionTests {
    @Test func noLauncherVariablesMeansNoMPI() {
        #expect(!MPISession.isLaunched(environment: [:]))
        #expect(!MPISession.isLaunched(environment: ["PATH": "/usr/bin", "SLURM_JOB_ID": "12", "OMPI_MCA_btl": "self,vader"]))
    }

    @Test(arguments: ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"])
    func launcherVariablesMeanMPI(variable: String) {
        #expect(MPISession.isLaunched(environment: [variable: "2"]))
    }

    @Test func unitIndicesTravelAsLittleEndianInt64() {
        for value: Int64 in [-1, 0, 1, 255, 256, 1 << 40, .max] {
            let bytes = WorkFarm.encode(value)
            #expect(bytes.count == 8)
            #expect(WorkFarm.decode(bytes + [9, 9]) == value)
        }
        #expect(WorkFarm.decode([1, 2]) == -1)
    }
}
