import Foundation
import Testing
@testable import EBMIO

#if canImport(Glibc)
import Glibc
#endif

@discardableResult
func runEbmflow(_ arguments: [String], interruptWhenExists path: String? = nil, records: Int = 0,
                environment: [String: String]? = nil, directory: String? = nil) throws -> (status: Int32, stderr: String) {
    let result = try runEbmflowTimed(arguments, interruptWhenExists: path, records: records, environment: environment, directory: directory)
    return (result.status, result.stderr)
}

/// The units a checkpoint file holds (0 while it is not there).
func checkpointRecords(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let records = object["records"] as? [String: Any] else { return 0 }
    return records.count
}

/// The `k` of every "resuming with k of n units done" line in `stderr`.
func resumedUnits(_ stderr: String) -> [Int] {
    stderr.split(separator: "\n").compactMap { line in
        guard let range = line.range(of: "resuming with ") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}

/// As `runEbmflow`, with the seconds from the SIGINT to the exit (nil without
/// one). With `records`, the SIGINT waits until the checkpoint holds that
/// many units; `environment` replaces the inherited one, `directory` is the
/// working directory.
func runEbmflowTimed(_ arguments: [String], interruptWhenExists path: String? = nil, records: Int = 0,
                     environment: [String: String]? = nil, directory: String? = nil) throws
    -> (status: Int32, stderr: String, stopSeconds: Double?) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ebmflowBinary)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var interruptedAt: Date?
    if let path {
        // SIGINT as soon as the first checkpoint is on disk, i.e. part-way.
        let deadline = Date().addingTimeInterval(120)
        func ready() -> Bool {
            FileManager.default.fileExists(atPath: path) && (records == 0 || checkpointRecords(path) >= records)
        }
        while process.isRunning && !ready() && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            interruptedAt = Date()
            kill(process.processIdentifier, SIGINT)
        }
    }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text, interruptedAt.map { Date().timeIntervalSince($0) })
}

@Suite(.serialized) struct InterruptionTests {
    static let scenarioText = basinScenario(name: "interrupt", resolution: (40, 40))

    /// A basin run killed with SIGINT part-way (once map rows, not only the
    /// survey's 5, are saved) exits 130 with a checkpoint and a message
    /// saying how to resume; `--resume` then starts from the saved rows and
    /// writes the same bytes as an uninterrupted run.
    @Test func interruptedBasinRunResumesToTheSameFiles() throws {
        #expect(FileManager.default.isExecutableFile(atPath: ebmflowBinary), "build first: swift build")
        let folder = temporaryFolder()
        let scenarioPath = folder + "/interrupt.yaml"
        try Self.scenarioText.write(toFile: scenarioPath, atomically: true, encoding: .utf8)
        let whole = folder + "/whole", parts = folder + "/parts"
        #expect(try runEbmflow(["run", scenarioPath, "--output", whole, "--quiet"]).status == 0)

        let interrupted = try runEbmflow(["run", scenarioPath, "--output", parts, "--quiet"],
                                         interruptWhenExists: parts + "/.checkpoint-basins.json", records: 10)
        #expect(interrupted.status == 130, "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("--resume"))
        #expect(!FileManager.default.fileExists(atPath: parts + "/basins.dat"))

        let refused = try runEbmflow(["run", scenarioPath, "--output", parts, "--quiet"])
        #expect(refused.status == 1 && refused.stderr.contains("interrupted run"))

        // The same checkpoint as an earlier build wrote it (rows computed with
        // the survey's certificates only, no scheme number): not resumed.
        let saved = try String(contentsOfFile: parts + "/.checkpoint-basins.json", encoding: .utf8)
        #expect(saved.contains("\"recordScheme\":2,"))
        let old = folder + "/old"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try saved.replacingOccurrences(of: "\"recordScheme\":2,", with: "")
            .write(toFile: old + "/.checkpoint-basins.json", atomically: true, encoding: .utf8)
        let stale = try runEbmflow(["run", scenarioPath, "--output", old, "--quiet", "--resume"])
        #expect(stale.status == 1 && stale.stderr.contains("record scheme 1, this build 2") && stale.stderr.contains("--force"),
                "\(stale.stderr)")

        let savedUnits = checkpointRecords(parts + "/.checkpoint-basins.json")
        #expect(savedUnits >= 10 && savedUnits < 45, "\(savedUnits) of 45 units saved")
        let resumed = try runEbmflow(["run", scenarioPath, "--output", parts, "--resume"])
        #expect(resumed.status == 0)
        #expect(resumedUnits(resumed.stderr) == [savedUnits], "\(resumed.stderr)")
        for name in ["basins.dat", "basin_times.dat", "basins_legend.dat", "basins.json"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: whole + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: parts + "/" + name))
            #expect(a == b, "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: parts + "/.checkpoint-basins.json"))
    }

    /// Interrupt `arguments` at its first checkpoint, resume, and compare
    /// `files` with an uninterrupted run.
    func interruptAndResume(_ arguments: [String], checkpoint: String, files: [String]) throws {
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        #expect(try runEbmflow(arguments + ["--output", whole, "--quiet"]).status == 0)
        let interrupted = try runEbmflow(arguments + ["--output", parts, "--quiet"], interruptWhenExists: parts + "/" + checkpoint)
        #expect(interrupted.status == 130 && interrupted.stderr.contains("--resume"), "\(interrupted.stderr)")
        let resumed = try runEbmflow(arguments + ["--output", parts, "--resume"])
        #expect(resumed.status == 0)
        // The resume starts from the saved units: at least one was there.
        #expect(resumedUnits(resumed.stderr).contains { $0 >= 1 }, "\(resumed.stderr)")
        for name in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: whole + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: parts + "/" + name))
            #expect(a == b, "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: parts + "/" + checkpoint))
    }

    /// A sweep interrupted part-way and resumed writes the same files.
    @Test func interruptedSweepResumesToTheSameFiles() throws {
        try interruptAndResume(["sweep", repositoryRoot + "/scenarios/paper/init-scale.yaml"], checkpoint: ".checkpoint-sweep.json",
                               files: ["order_times_sweep.dat", "sweep_summary.json"])
    }

    /// A fixed-point enumeration interrupted during its Newton starts and
    /// resumed writes the same catalog.
    @Test func interruptedEnumerationResumesToTheSameFiles() throws {
        let folder = temporaryFolder()
        let text = try String(contentsOfFile: repositoryRoot + "/scenarios/paper/neutral-directions.yaml", encoding: .utf8)
            .replacingOccurrences(of: "starts: 20", with: "starts: 60")
        try text.write(toFile: folder + "/enumeration.yaml", atomically: true, encoding: .utf8)
        try interruptAndResume(["run", folder + "/enumeration.yaml"], checkpoint: ".checkpoint-fixed_points-newton.json",
                               files: ["fixed_points.dat", "fixed_points.json", "enumeration.dat", "summary.json"])
    }

    /// Every phase of the default enumeration (Newton starts, flows, the
    /// narrow models' flows, lifts, deflation, homotopy) stops at SIGINT
    /// with its checkpoint, and the run, resumed after each, ends with the
    /// bytes of an uninterrupted run.
    @Test func everyEnumerationPhaseStopsAndResumes() throws {
        let folder = temporaryFolder()
        let scenario = folder + "/phases.yaml"
        try """
            name: phases
            spins: 4
            target: {kind: random, seed: 11, orders: [1, 2, 3, 4], scale: 0.5}
            model: {kind: rbm, hidden: 3}
            init: {kind: normal, scale: 1.0e-3, seed: 1}
            integrator: {t_end: 1.0e5}
            analyses:
              fixed_points: {starts: 24, flows: 6}
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let whole = folder + "/whole", parts = folder + "/parts", before = folder + "/before"
        #expect(try runEbmflow(["run", scenario, "--output", whole, "--quiet"]).status == 0)
        let phases = ["newton", "flows", "narrow-flows-1", "narrow-flows-2", "lifts", "deflation", "homotopy"]
        let files = FileManager.default
        var interruptedPhases: [String] = []
        var finished = false
        phaseLoop: for (k, phase) in phases.enumerated() {
            let file = ".checkpoint-fixed_points-\(phase).json"
            // A short phase can end between its checkpoint appearing and the
            // signal arriving (the test polls every 5 ms; on a loaded machine
            // it may be late), so the run stops in a later phase or finishes.
            // That is a correct run but not the stop this step is about: put
            // the folder back as it was before the attempt and try again.
            for attempt in 1...6 {
                try? files.removeItem(atPath: before)
                if k > 0 { try files.copyItem(atPath: parts, toPath: before) }
                let result = try runEbmflowTimed(["run", scenario, "--output", parts, "--quiet"] + (k == 0 ? [] : ["--resume"]),
                                                 interruptWhenExists: parts + "/" + file)
                let named = phases.first(where: { result.stderr.contains(".checkpoint-fixed_points-\($0).json") })
                let late = result.status == 0 || (named.flatMap { phases.firstIndex(of: $0) } ?? k) > k
                if late && attempt < 6 {
                    try files.removeItem(atPath: parts)
                    if k > 0 { try files.moveItem(atPath: before, toPath: parts) }
                    continue
                }
                if result.status == 0 { finished = true; break phaseLoop }
                #expect(result.status == 130, "\(result.stderr)")
                #expect(try #require(result.stopSeconds) < 2, "\(phase)")
                // The message names the checkpoint of the phase that was running.
                if let named { interruptedPhases.append(named) }
                break
            }
        }
        #expect(interruptedPhases == phases)
        if !finished { #expect(try runEbmflow(["run", scenario, "--output", parts, "--quiet", "--resume"]).status == 0) }
        for name in ["fixed_points.dat", "fixed_points.json", "enumeration.dat"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: whole + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: parts + "/" + name))
            #expect(a == b, "\(name)")
        }
        #expect(Checkpoints.existing(in: parts).isEmpty)
    }

    /// `max_steps: 5` makes CVODE give up: a trajectory reports the
    /// structured error; inside a basin map the failed starts get their own
    /// label and the run completes.
    @Test func solverFailureIsStructuredAndContainedInBasinMaps() throws {
        let folder = temporaryFolder()
        let failing = Self.scenarioText.replacingOccurrences(of: "integrator: {t_end: 1000}", with: "integrator: {t_end: 1000, max_steps: 5}")
        let trajectory = failing.replacingOccurrences(of: "analyses:", with: "analyses:\n  trajectory: {samples: 10}")
            .components(separatedBy: "\n  basins:")[0]
        try trajectory.write(toFile: folder + "/t.yaml", atomically: true, encoding: .utf8)
        let result = try runEbmflow(["run", folder + "/t.yaml", "--output", folder + "/t", "--quiet"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("CV_TOO_MUCH_WORK") && result.stderr.contains("max_steps"), "\(result.stderr)")

        let basins = failing.replacingOccurrences(of: "resolution: [40, 40]", with: "resolution: [4, 4]")
        try basins.write(toFile: folder + "/b.yaml", atomically: true, encoding: .utf8)
        #expect(try runEbmflow(["run", folder + "/b.yaml", "--output", folder + "/b", "--quiet"]).status == 0)
        let labels = try String(contentsOfFile: folder + "/b/basins.dat", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").last }
        #expect(labels.count == 16 && labels.allSatisfy { $0 == "-3" })
        let json = try String(contentsOfFile: folder + "/b/basins.json", encoding: .utf8)
        #expect(json.contains("CV_TOO_MUCH_WORK"))
    }
}
