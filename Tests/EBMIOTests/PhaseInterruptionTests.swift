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

    /// Raised a few polls after `file` appears in `folder` (nil: from the
    /// start), so the stop lands inside the phase that follows it, not only
    /// at the boundary between analyses.
    final class Trigger: @unchecked Sendable {
        let lock = NSLock()
        var polls = 0
        let path: String?
        init(_ path: String?) { self.path = path }
        var condition: StopCondition {
            StopCondition { [self] in
                if let path, !FileManager.default.fileExists(atPath: path) { return false }
                return lock.withLock { polls += 1; return polls > 3 }
            }
        }
    }

    static func files(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix(".") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    /// The text without the lines of wall-clock times (summary.json's).
    static func withoutTimes(_ data: Data?) -> String? {
        data.map { String(decoding: $0, as: UTF8.self).split(separator: "\n")
            .filter { $0.range(of: #""(wall|elapsed|seconds|time_s|started|finished|date)[a-z_]*""#, options: .regularExpression) == nil }
            .joined(separator: "\n") }
    }

    @Test("a stop in the trajectory, in orders or in the portrait checkpoints the run, and it resumes to the same bytes",
          arguments: [("trajectory", nil), ("orders", "trajectory.dat"), ("portrait", "basins.dat")])
    func phaseStopsAndResumes(_ phase: String, after file: String?) throws {
        let scenario = try Scenario.parse(yaml: Self.yaml, fileName: "phases-stop.yaml")
        let folder = temporaryFolder()
        let whole = folder + "/whole", parts = folder + "/parts"
        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: whole, quiet: true, threads: 2))

        var options = RunOptions(output: parts, quiet: true, threads: 2)
        options.stop = Trigger(file.map { parts + "/" + $0 }).condition
        do {
            _ = try ScenarioRunner.run(scenario, options: options)
            Issue.record("the run was not interrupted")
        } catch let interrupted as RunInterrupted {
            #expect(interrupted.message.contains("interrupted in \(phase)") && interrupted.message.contains("--resume"),
                    "\(interrupted.message)")
        }
        let left = Checkpoints.existing(in: parts).map { ($0 as NSString).lastPathComponent }
        // The finished basin map keeps its checkpoint, all of its rows done.
        #expect(left == (phase == "portrait" ? [".checkpoint-basins.json", ".checkpoint-run.json"] : [".checkpoint-run.json"]))
        #expect(!FileManager.default.fileExists(atPath: parts + "/summary.json"))
        if phase == "portrait" {
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts + "/.checkpoint-basins.json")))
            let checkpoint = try #require(saved as? [String: Any])
            #expect((checkpoint["records"] as? [String: Any])?.count == checkpoint["units"] as? Int)
        }

        // A resume of another mode is refused before anything is written.
        let before = try Self.files(parts)
        #expect(throws: CheckpointRefused.self) {
            _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, quick: true, resume: true))
        }
        #expect(try Self.files(parts) == before)

        _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, threads: 1, resume: true))
        let a = try Self.files(whole), b = try Self.files(parts)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, data) in a { #expect(Self.withoutTimes(b[name]) == Self.withoutTimes(data), "\(name)") }
        #expect(Checkpoints.existing(in: parts).isEmpty)

        // Resuming the finished run says that it is complete.
        #expect {
            _ = try ScenarioRunner.run(scenario, options: RunOptions(output: parts, quiet: true, resume: true))
        } throws: { error in
            "\(error)".contains("the run there is complete (summary.json) and left nothing to resume")
        }
    }
}
