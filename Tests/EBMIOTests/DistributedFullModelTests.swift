import Foundation
import Testing

/// The full model `ising(n)`, `k = n`, split over MPI ranks (SUNDIALS'
/// `nvector_parallel`, distributed Walsh–Hadamard transform) follows the
/// trajectory of the serial model to the integration tolerance.
@Suite(.serialized, .enabled(if: mpirunPath != nil, "mpirun not found: install openmpi-bin (make test installs it)"))
struct DistributedFullModelTests {
    static let scenarioText = """
    name: full-model-14
    spins: 14
    target: {kind: random, seed: 4, orders: [1, 2, 3], scale: [0.4, 0.3, 0.2]}
    model: {kind: ising}
    init: {kind: normal, scale: 0.01, seed: 1}
    integrator: {rtol: 1.0e-6, atol: 1.0e-8, t_end: 0.5, grad_tol: 0}
    analyses:
      trajectory: {samples: 6, spacing: log, t_min: 0.01}
    """

    /// The numbers of a `.dat` file, row by row.
    static func rows(_ path: String) throws -> [[Double]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: " ").map { Double($0)! } }
    }

    @Test func fullModelOnTwoAndFourRanksFollowsTheSerialTrajectory() throws {
        let folder = temporaryFolder()
        let path = folder + "/full.yaml"
        try Self.scenarioText.write(toFile: path, atomically: true, encoding: .utf8)
        let serial = try runEbmflow(["run", path, "--output", folder + "/serial", "--threads", "1", "--quiet"])
        #expect(serial.status == 0, "\(serial.stderr)")
        let reference = try Self.rows(folder + "/serial/trajectory.dat")
        #expect(reference.count == 6 && reference[0].count == 3 + 14)

        for ranks in [2, 4] {
            let output = folder + "/np\(ranks)"
            let result = try runUnderMPI(ranks, ["run", path, "--output", output])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("16383 parameters over \(ranks) ranks"), "\(result.stderr)")
            let distributed = try Self.rows(output + "/trajectory.dat")
            #expect(distributed.count == reference.count)
            // Same header and columns as the serial file.
            let header = { (p: String) in try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("# columns") } }
            #expect(try header(output + "/trajectory.dat") == header(folder + "/serial/trajectory.dat"))
            var worst = 0.0
            for (a, b) in zip(reference, distributed) {
                #expect(a[0] == b[0], "sample times differ")
                // t KL grad_norm |J^(1)| ... |J^(14)| agree to the integration tolerance.
                for (x, y) in zip(a.dropFirst(), b.dropFirst()) {
                    worst = max(worst, abs(x - y) / max(abs(x), 1e-6))
                }
            }
            #expect(worst < 1e-4, "largest relative deviation from the serial trajectory on \(ranks) ranks: \(worst)")
            let couplings = try Self.rows(output + "/couplings.dat")
            #expect(couplings.map { Array($0.dropFirst()) } == distributed.map { Array($0.dropFirst(3)) })
        }
    }

    /// Ranks that do not split the states evenly are refused with a reason.
    @Test func fullModelNeedsAPowerOfTwoRanks() throws {
        let folder = temporaryFolder()
        let path = folder + "/full.yaml"
        try Self.scenarioText.replacingOccurrences(of: "spins: 14", with: "spins: 10").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runUnderMPI(3, ["run", path, "--output", folder + "/np3", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        // Three ranks: the ordinary run on rank 0, which says why.
        #expect(result.stderr.contains("power-of-two"), "\(result.stderr)")
    }
}
