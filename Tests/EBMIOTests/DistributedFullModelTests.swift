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

    /// A fresh folder holding the scenario with `old` replaced by `new`, and the scenario's path.
    static func scenarioFile(replacing old: String = "", with new: String = "") throws -> (folder: String, path: String) {
        let folder = temporaryFolder()
        let path = folder + "/full.yaml"
        let text = old.isEmpty ? scenarioText : scenarioText.replacingOccurrences(of: old, with: new)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (folder, path)
    }

    /// The numbers of a `.dat` file, row by row.
    static func rows(_ path: String) throws -> [[Double]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: " ").map { Double($0)! } }
    }

    @Test func fullModelOnTwoAndFourRanksFollowsTheSerialTrajectory() throws {
        let (folder, path) = try Self.scenarioFile()
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

    /// SIGINT to mpirun (SIGTERM to every rank) as the job starts: the
    /// ranks agree on the stop after a step and stop together, rank 0
    /// leaves the run's checkpoint and says how to resume, and `--resume`
    /// computes the trajectory again to the bytes of an uninterrupted run
    /// on as many ranks (before, the ranks ignored the signal until the
    /// launcher killed them, and nothing said how to go on).
    @Test func interruptedFullModelResumesToTheSameFiles() throws {
        let (folder, path) = try Self.scenarioFile(replacing: "t_end: 0.5", with: "t_end: 20")
        let whole = try runUnderMPI(2, ["run", path, "--output", folder + "/whole", "--quiet"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let parts = folder + "/parts"
        let interrupted = try runUnderMPI(2, ["run", path, "--output", parts, "--quiet"], interruptWhenExists: parts)
        #expect(interrupted.status != 0)
        #expect(interrupted.stderr.contains("interrupted in trajectory") && interrupted.stderr.contains("--resume"), "\(interrupted.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parts) == [".checkpoint-run.json"])

        let resumed = try runUnderMPI(2, ["run", path, "--output", parts, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for name in ["trajectory.dat", "couplings.dat"] {
            let a = FileManager.default.contents(atPath: folder + "/whole/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: parts + "/" + name), "\(name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parts).sorted() == ["couplings.dat", "summary.json", "trajectory.dat"])
    }

    /// Ranks that do not split the states evenly do not split them: rank 0
    /// runs the ordinary single-process flow and says why.
    @Test func fullModelNeedsAPowerOfTwoRanks() throws {
        let (folder, path) = try Self.scenarioFile(replacing: "spins: 14", with: "spins: 10")
        let result = try runUnderMPI(3, ["run", path, "--output", folder + "/np3", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        // Three ranks: the ordinary run on rank 0, which says why.
        #expect(result.stderr.contains("power-of-two"), "\(result.stderr)")
    }
}
