import EBMAnalysis
import EBMScenario
import Foundation
import Testing
@testable import EBMIO

/// The phases of a run that have no work units of their own (the
/// trajectory, orders, the portrait) stop at a stop request as the long
/// analyses do: the run leaves its own checkpoint, keeps those of the
/// analyses it finished, and `--resume` ends with the bytes of an
/// uninterrupted run.
@Suite struct PhaseInterruptionTests {
    static let yaml = """
        name: phases-stop
        spins: 3
        target: {kind: random, seed: 8, orders: [1, 2, 3], scale: [0.5, 0.5, 0.4]}
        model: {kind: rbm, hidden: 2}
        init: {kind: normal, scale: 0.01, seed: 2}
        integrator: {t_end: 1000}
        analyses:
          trajectory: {samples: 40, spacing: log, t_min: 0.01}
          orders: {epsilon: [0.1]}
          basins:
            plane: {x: "W[0,0]", y: "W[0,1]", center: init}
            range: {x: [-2, 2], y: [-2, 2]}
            resolution: [12, 12]
            t_max: 1000
          portrait:
            plane: {x: "W[0,0]", y: "W[0,1]", center: init}
            range: {x: [-2, 2], y: [-2, 2]}
            grid: [9, 9]
            orbits: {grid: [3, 3], t_max: 100}
        """

    /// Raised a few polls (`after`) once the file at `path` appears (nil:
    /// from the start) and, with `records`, holds that many checkpointed
    /// units, so the stop lands inside the phase that follows it, not only
    /// at the boundary between analyses.
    final class Trigger: @unchecked Sendable {
        let lock = NSLock()
        var polls = 0
        let path: String?
        let records: Int?
        let after: Int
        init(_ path: String?, records: Int? = nil, after: Int = 3) {
            self.path = path
            self.records = records
            self.after = after
        }
        var condition: StopCondition {
            StopCondition { [self] in
                if let path, !FileManager.default.fileExists(atPath: path) { return false }
                if let path, let records, checkpointRecords(path) != records { return false }
                return lock.withLock { polls += 1; return polls > after }
            }
        }
    }

    /// Every file of `folder` by name (`hidden`: checkpoints too).
    static func files(_ folder: String, hidden: Bool = false) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where hidden || !name.hasPrefix(".") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    /// Runs `scenario` with `stop`, which must interrupt it with a message
    /// containing `message` and leave exactly the checkpoints `left`.
    static func interrupt(_ scenario: Scenario, into folder: String, threads: Int, stop: StopCondition,
                          message: String, left: [String]) throws {
        var options = RunOptions(output: folder, quiet: true, threads: threads)
        options.stop = stop
        do {
            _ = try ScenarioRunner.run(scenario, options: options)
            Issue.record("the run was not interrupted")
        } catch let interrupted as RunInterrupted {
            #expect(interrupted.message.contains(message) && interrupted.message.contains("--resume"), "\(interrupted.message)")
        }
        #expect(Checkpoints.existing(in: folder).map { ($0 as NSString).lastPathComponent } == left)
    }

    @Test("a stop in the trajectory, in orders or in the portrait checkpoints the run, and it resumes to the same bytes",
          arguments: [("trajectory", nil), ("orders", "trajectory.dat"), ("orders", "orders.dat"), ("portrait", "basins.dat")])
    func phaseStopsAndResumes(_ phase: String, after file: String?) throws {
        let scenario = try Scenario.parse(yaml: Self.yaml, fileName: "phases-stop.yaml")
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: whole, quiet: true, threads: 2))

        // The finished basin map keeps its checkpoint, all of its rows done.
        try Self.interrupt(scenario, into: parts, threads: 2, stop: Trigger(file.map { parts + "/" + $0 }).condition,
                           message: "interrupted in \(phase)",
                           left: phase == "portrait" ? [".checkpoint-basins.json", ".checkpoint-run.json"] : [".checkpoint-run.json"])
        #expect(!FileManager.default.fileExists(atPath: parts + "/summary.json"))
        if phase == "portrait" {
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts + "/.checkpoint-basins.json")))
            let checkpoint = try #require(saved as? [String: Any])
            #expect((checkpoint["records"] as? [String: Any])?.count == checkpoint["units"] as? Int)
        }

        // A resume of another mode is refused before anything is written.
        let before = try Self.files(parts, hidden: true)
        #expect(throws: CheckpointRefused.self) {
            _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, quick: true, resume: true))
        }
        #expect(try Self.files(parts, hidden: true) == before)

        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, threads: 1, resume: true))
        let a = try Self.files(whole), b = try Self.files(parts)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, data) in a { #expect(b[name] == data, "\(name)") }
        #expect(Checkpoints.existing(in: parts).isEmpty)

        // Resuming the finished run says that it is complete.
        #expect {
            _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, resume: true))
        } throws: { error in
            "\(error)".contains("the run there is complete (summary.json) and left nothing to resume")
        }
    }

    /// Newton from the trajectory's plateau seeds has no units of its own:
    /// a stop between two seeds (the second question after the random
    /// starts' phase is complete in its checkpoint) leaves the run's own
    /// checkpoint beside the Newton starts', and `--resume` computes the
    /// plateau seeds again, to the bytes of an uninterrupted run.
    @Test func stopBetweenPlateauSeedsResumes() throws {
        let yaml = """
            name: plateau-stop
            spins: 4
            target: {kind: random, seed: 7, orders: [1, 2, 3, 4], scale: [0.6, 0.4, 0.3, 0.2]}
            model: {kind: rbm, hidden: 4}
            init: {kind: normal, scale: 1.0e-3, seed: 1}
            integrator: {t_end: 1.0e5}
            analyses:
              trajectory: {samples: 40, spacing: log, t_min: 0.01}
              fixed_points: {methods: [newton, plateau], starts: 2}
            """
        let scenario = try Scenario.parse(yaml: yaml, fileName: "plateau-stop.yaml")
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: whole, quiet: true, threads: 1))

        try Self.interrupt(scenario, into: parts, threads: 1,
                           stop: Trigger(parts + "/.checkpoint-fixed_points-newton.json", records: 2, after: 1).condition,
                           message: "interrupted in fixed-point plateau seeds: it is computed again on resuming",
                           left: [".checkpoint-fixed_points-newton.json", ".checkpoint-run.json"])
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, threads: 1, resume: true))
        let a = try Self.files(whole), b = try Self.files(parts)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, data) in a { #expect(b[name] == data, "\(name)") }
        #expect(Checkpoints.existing(in: parts).isEmpty)
    }

    /// A long continuation's files take seconds to format: a stop there
    /// (a few polls after its only start is checkpointed, so inside the
    /// formatting of 18000 points, polled every 4096) keeps the complete
    /// continuation checkpoint, writes no file, and `--resume` writes the
    /// bytes of an uninterrupted run from the checkpoint's packed points.
    @Test func continuationStopsWhileWritingItsFilesAndResumes() throws {
        let yaml = """
            name: continuation-write-stop
            spins: 3
            target:
              kind: ising
              couplings: [{sites: [0, 1], value: 0.5}, {sites: [0, 2], value: 0.5}, {sites: [1, 2], value: 0.5}]
            model: {kind: rbm, hidden: 1, frozen: ["a[0]", "a[1]", "a[2]", "b[0]"]}
            init: {kind: values, values: {"b[0]": 0.5}}
            integrator: {rtol: 1.0e-8, atol: 1.0e-10, t_end: 1.0e4}
            analyses:
              continuation:
                parameter: beta
                from: 0.0
                to: 3.0
                start: init
                step: {initial: 1.0e-4, min: 1.0e-8, max: 1.0e-4}
                max_points: 6000
            """
        let scenario = try Scenario.parse(yaml: yaml, fileName: "continuation-write-stop.yaml")
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: whole, quiet: true, threads: 1))
        let rows = try String(contentsOfFile: whole + "/bifurcation.dat", encoding: .utf8).split(separator: "\n")
        #expect(rows.filter { !$0.hasPrefix("#") }.count == 18000, "three branches of max_points each")

        try Self.interrupt(scenario, into: parts, threads: 1, stop: Trigger(parts + "/.checkpoint-continuation.json").condition,
                           message: "interrupted in continuation: its files are written again on resuming",
                           left: [".checkpoint-continuation.json", ".checkpoint-run.json"])
        #expect(!FileManager.default.fileExists(atPath: parts + "/bifurcation.dat"))
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts + "/.checkpoint-continuation.json")))
        let checkpoint = try #require(saved as? [String: Any])
        #expect((checkpoint["records"] as? [String: Any])?.count == 1)

        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, threads: 1, resume: true))
        let a = try Self.files(whole), b = try Self.files(parts)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, data) in a { #expect(b[name] == data, "\(name)") }
        #expect(Checkpoints.existing(in: parts).isEmpty)
    }

    /// Another command on the same scenario and folder (`fixed-points`,
    /// `continue` run only their analyses) leaves the checkpoints of the
    /// analyses it does not run: the interrupted run still resumes.
    @Test func anotherCommandKeepsTheCheckpointsItDoesNotOwn() throws {
        let scenario = try Scenario.parse(yaml: Self.yaml, fileName: "phases-stop.yaml")
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: whole, quiet: true, threads: 2))
        var options = RunOptions(output: parts, quiet: true, threads: 2)
        // Inside the basin map: a few rows after its first checkpoint.
        options.stop = Trigger(parts + "/.checkpoint-basins.json").condition
        #expect(throws: RunInterrupted.self) { _ = try ScenarioRunner.run(scenario, options: options) }
        #expect(Checkpoints.existing(in: parts).map { ($0 as NSString).lastPathComponent } == [".checkpoint-basins.json"])

        var trajectoryOnly = scenario
        trajectoryOnly.analyses = AnalysesSpecification(trajectory: scenario.analyses.trajectory)
        _ = try ScenarioRunner.run(trajectoryOnly, options: RunOptions(output: parts, quiet: true, resume: true))
        #expect(Checkpoints.existing(in: parts).map { ($0 as NSString).lastPathComponent } == [".checkpoint-basins.json"])

        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, threads: 1, resume: true))
        let a = try Self.files(whole), b = try Self.files(parts)
        for (name, data) in a { #expect(b[name] == data, "\(name)") }
        #expect(Checkpoints.existing(in: parts).isEmpty)
    }

    /// A run that fails (not interrupted) after finishing a basin map (its
    /// portrait's plane names a catalog row that does not exist) drops
    /// that map's kept checkpoint: the corrected scenario runs without
    /// `--force`, as before checkpoints were kept.
    @Test func aFailedRunLeavesNoCheckpointOfWhatItFinished() throws {
        let failing = Self.yaml.replacingOccurrences(
            of: """
                  portrait:
                    plane: {x: "W[0,0]", y: "W[0,1]", center: init}
                """,
            with: """
                  portrait:
                    plane: {fixed_points: [0, 1, 50]}
                """)
        #expect(failing != Self.yaml)
        let scenario = try Scenario.parse(yaml: failing, fileName: "phases-fail.yaml")
        let folder = temporaryFolder() + "/out"
        do {
            _ = try ScenarioRunner.run(scenario, options: RunOptions(output: folder, quiet: true, threads: 2))
            Issue.record("the run did not fail")
        } catch {
            #expect(!(error is RunInterrupted), "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: folder + "/basins.dat"))
        #expect(Checkpoints.existing(in: folder).isEmpty)
        let corrected = try Scenario.parse(yaml: Self.yaml, fileName: "phases-stop.yaml")
        _ = try ScenarioRunner.run(corrected, options: RunOptions(output: folder, quiet: true, threads: 2))
    }
}
