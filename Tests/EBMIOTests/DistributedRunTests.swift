import Foundation
import Testing
@testable import EBMIO

#if canImport(Glibc)
import Glibc
#endif

/// `mpirun` as the tests start it: as root (CI runs as root), more ranks
/// than cores, and loopback only (shared memory between ranks, the
/// launcher's own channel on `lo`).
let mpirunPath = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs `ebmflow arguments` under `mpirun -np ranks`; `interruptWhenExists`
/// sends SIGINT to mpirun (which passes it on) once that file exists,
/// `killWorkerWhenExists` kills rank 1 with SIGKILL instead. A run that
/// takes more than five minutes is killed (the test then fails).
///
/// mpirun is started with `posix_spawn` and an empty signal mask: the test
/// runner blocks SIGINT in its threads, a child inherits the mask, and
/// mpirun would never see the signal.
@discardableResult
func runUnderMPI(_ ranks: Int, _ arguments: [String], environment extra: [String: String] = [:],
                 interruptWhenExists: String? = nil, killWorkerWhenExists: String? = nil,
                 launcherOptions: [String] = []) throws -> (status: Int32, stderr: String) {
    let argv = [mpirunPath!, "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader",
                "--mca", "oob_tcp_if_include", "lo", "--mca", "btl_tcp_if_include", "lo"] + launcherOptions
        + extra.keys.sorted().flatMap { ["-x", $0] } + ["-np", "\(ranks)", ebmflowBinary] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    for (key, value) in extra { environment[key] = value }
    let log = temporaryFolder() + "/mpirun.stderr"

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t(), defaults = sigset_t()
    sigemptyset(&mask)
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGTERM)
    posix_spawnattr_setsigmask(&attributes, &mask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
    let cArguments = cStrings(argv), cEnvironment = cStrings(environment.map { "\($0.key)=\($0.value)" })
    defer { (cArguments + cEnvironment).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }

    var status: Int32 = 0
    func finished() -> Bool { waitpid(pid, &status, WNOHANG) == pid }
    let deadline = Date().addingTimeInterval(300)
    var done = false
    if let path = interruptWhenExists ?? killWorkerWhenExists {
        while Date() < deadline {
            done = finished()
            if done || FileManager.default.fileExists(atPath: path) { break }
            usleep(20_000)
        }
        if !done {
            if interruptWhenExists != nil {
                kill(pid, SIGINT)
            } else if let worker = rankProcess(1, launcher: pid) {
                kill(worker, SIGKILL)
            }
        }
    }
    while !done && Date() < deadline {
        done = finished()
        if !done { usleep(20_000) }
    }
    if !done {
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
    let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
}

/// The process of `rank` among the launcher's children (from /proc: the
/// child whose environment says `OMPI_COMM_WORLD_RANK=rank`).
func rankProcess(_ rank: Int, launcher: Int32) -> Int32? {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for entry in entries {
        guard let pid = Int32(entry),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        // Fields after the command name: state, ppid, ...
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, Int32(fields[1]) == launcher,
              let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
    }
    return nil
}

/// Every file of `reference` (a single-process run) has the same bytes in `folder`.
func expectSameFiles(_ reference: String, _ folder: String, _ context: String) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: reference).filter { !$0.hasPrefix(".") }.sorted()
    #expect(!names.isEmpty)
    for name in names {
        let a = try Data(contentsOf: URL(fileURLWithPath: reference + "/" + name))
        let b = FileManager.default.contents(atPath: folder + "/" + name)
        #expect(a == b, "\(context): \(name) differs from the single-process run")
    }
    #expect(Checkpoints.existing(in: folder).isEmpty, "\(context): checkpoint left behind")
}

/// `ebmflow` under `mpirun`: rank 0 hands out basin rows, Newton starts and
/// sweep members; the files must be the bytes of a `--threads 1` run
/// without mpirun, also after an interruption, a failed rank or a killed
/// rank and `--resume`.
@Suite(.serialized, .enabled(if: mpirunPath != nil, "mpirun not found: install openmpi-bin (make test installs it)"))
struct DistributedRunTests {
    /// Fixed points by Newton, then a basin map on a random plane through
    /// the first fixed point: the plane travels from rank 0 to the others.
    static let scenarioText = """
    name: distributed
    spins: 3
    target: {kind: random, seed: 8, orders: [1, 2, 3], scale: [0.5, 0.5, 0.4]}
    model: {kind: rbm, hidden: 2}
    init: {kind: normal, scale: 0.3, seed: 1}
    integrator: {t_end: 1000}
    analyses:
      fixed_points: {methods: [newton], starts: 12, seed: 3}
      basins:
        plane: {random: 3, center: catalog}
        range: {x: [-1.5, 1.5], y: [-1.5, 1.5]}
        resolution: [14, 14]
        t_max: 1000
        tol: 1.0e-8
    """

    /// A basin map long enough (24 rows of 40 starts, seconds) to be
    /// stopped part-way.
    static let longScenarioText = basinScenario(name: "distributed-long", resolution: (40, 24))

    /// A scenario file and its single-process (`--threads 1`) results.
    static func singleProcessRun(_ text: String) -> (scenario: String, folder: String) {
        let folder = temporaryFolder()
        let path = folder + "/scenario.yaml"
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try! runEbmflow(["run", path, "--output", folder + "/serial", "--threads", "1", "--quiet"])
        precondition(result.status == 0, result.stderr)
        return (path, folder + "/serial")
    }

    static let reference = singleProcessRun(scenarioText)
    static let longReference = singleProcessRun(longScenarioText)

    @Test(arguments: [2, 3])
    func basinsAndFixedPointsAreTheBytesOfASingleProcessRun(ranks: Int) throws {
        let (scenario, serial) = Self.reference
        let folder = temporaryFolder() + "/mpi"
        let result = try runUnderMPI(ranks, ["run", scenario, "--output", folder])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("starts on \(ranks) ranks x 1 thread"), "\(result.stderr)")
        #expect(result.stderr.contains("Newton from 12 random starts on \(ranks) ranks"), "\(result.stderr)")
        try expectSameFiles(serial, folder, "mpirun -np \(ranks)")
    }

    /// Two compute threads per rank give the same bytes too.
    @Test func threadsPerRankDoNotChangeTheFiles() throws {
        let (scenario, serial) = Self.reference
        let folder = temporaryFolder() + "/mpi"
        let result = try runUnderMPI(2, ["run", scenario, "--output", folder, "--threads", "2", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        try expectSameFiles(serial, folder, "mpirun -np 2 --threads 2")
    }

    @Test func sweepIsTheBytesOfASingleProcessRun() throws {
        let folder = temporaryFolder()
        let arguments = ["sweep", repositoryRoot + "/scenarios/paper/init-scale.yaml", "--seeds", "2", "--quiet"]
        #expect(try runEbmflow(arguments + ["--output", folder + "/serial", "--threads", "1"]).status == 0)
        for ranks in [2, 3] {
            let result = try runUnderMPI(ranks, arguments + ["--output", folder + "/np\(ranks)"])
            #expect(result.status == 0, "\(result.stderr)")
            try expectSameFiles(folder + "/serial", folder + "/np\(ranks)", "sweep under mpirun -np \(ranks)")
        }
    }

    /// SIGINT to mpirun (which sends SIGTERM to every rank): rank 0 saves
    /// the checkpoint and says how to resume; `--resume` under another
    /// number of ranks completes to the same bytes.
    @Test func interruptedRunResumesToTheSameFiles() throws {
        let (scenario, serial) = Self.longReference
        let folder = temporaryFolder() + "/mpi"
        let checkpoint = folder + "/.checkpoint-basins.json"
        let interrupted = try runUnderMPI(2, ["run", scenario, "--output", folder, "--quiet"], interruptWhenExists: checkpoint)
        #expect(interrupted.status != 0)
        #expect(interrupted.stderr.contains("interrupted:") && interrupted.stderr.contains("--resume"), "\(interrupted.stderr)")
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        #expect(!FileManager.default.fileExists(atPath: folder + "/basins.dat"))
        let resumed = try runUnderMPI(3, ["run", scenario, "--output", folder, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectSameFiles(serial, folder, "interrupted and resumed under mpirun")
    }

    /// A rank whose computation fails: rank 0 stops handing out units, lets
    /// the others finish theirs, saves the checkpoint and names the rank;
    /// the run resumes to the same bytes.
    @Test func failedRankStopsTheRunWithACheckpoint() throws {
        let (scenario, serial) = Self.reference
        let folder = temporaryFolder() + "/mpi"
        let failed = try runUnderMPI(3, ["run", scenario, "--output", folder, "--quiet"],
                                     environment: ["EBMFLOW_FAULT_RANK": "1", "EBMFLOW_FAULT_AFTER": "2"])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("rank 1 failed on work unit") && failed.stderr.contains("--resume"), "\(failed.stderr)")
        // The analysis that stopped has its checkpoint, named in the message;
        // analyses finished before it keep theirs, complete, until the run ends.
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".checkpoint-") }
        let stopped = checkpoints.filter { failed.stderr.contains("saved in \(folder)/\($0)") }
        #expect(stopped.count == 1, "\(checkpoints): \(failed.stderr)")
        for name in checkpoints where !stopped.contains(name) {
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            let checkpoint = try #require(saved as? [String: Any])
            #expect((checkpoint["records"] as? [String: Any])?.count == checkpoint["units"] as? Int, "\(name)")
        }
        let resumed = try runUnderMPI(2, ["run", scenario, "--output", folder, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectSameFiles(serial, folder, "failed rank, resumed")
    }

    /// A rank killed outright: the launcher ends the job and signals rank 0,
    /// which saves the checkpoint first; the run resumes to the same bytes.
    @Test func killedRankLeavesAUsableCheckpoint() throws {
        let (scenario, serial) = Self.longReference
        let folder = temporaryFolder() + "/mpi"
        let checkpoint = folder + "/.checkpoint-basins.json"
        // The launcher ends the surviving ranks with SIGTERM and, after
        // `odls_base_sigkill_timeout` (1 s by default), SIGKILL. Rank 0 then
        // saves its checkpoint and explains; on a loaded machine that can
        // take longer than a second, so the test gives it ten.
        let killed = try runUnderMPI(3, ["run", scenario, "--output", folder, "--quiet"], killWorkerWhenExists: checkpoint,
                                     launcherOptions: ["--mca", "odls_base_sigkill_timeout", "10"])
        #expect(killed.status != 0)
        #expect(killed.stderr.contains("--resume") && killed.stderr.contains("another rank died"), "\(killed.stderr)")
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let resumed = try runUnderMPI(2, ["run", scenario, "--output", folder, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectSameFiles(serial, folder, "killed rank, resumed")
    }
}
