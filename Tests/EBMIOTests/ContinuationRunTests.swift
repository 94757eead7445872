import Foundation
import Testing
import EBMIO

/// Continuation runs through the executable: to the edge of a parameter's
/// range, and interrupted by a real SIGINT then resumed.
@Suite(.serialized) struct ContinuationRunTests {
    static func scenario(_ replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: repositoryRoot + "/scenarios/phase-diagram-rbm.yaml", encoding: .utf8)
        for (old, new) in replacements {
            #expect(text.contains(old), "\(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    /// `mix` from 0.05 to 1.0 (once an abort: a step past 1.0 evaluated the
    /// target outside [0, 1]): every file is written, every branch ends on
    /// exactly 1, and the branch point is reported. The scenario's
    /// `target.beta` applies under `mix` (it was once dropped: the family
    /// mixed q_1 whatever beta said): on the triangle with couplings 0.5 at β
    /// the W = 0 branch point is μ* = c*/c(β), c(β) = (e^{2β} - 1)/(e^{2β} + 3)
    /// its pair correlation, c* = sinh²(0.5)/2: 0.2207718595 at β = 1, and
    /// 0.19798463 at β = 1.1375642438112454 (pair correlation 0.6857611).
    @Test(arguments: [(1.0, 0.2207718595), (1.1375642438112454, 0.19798463)])
    func mixContinuationToTheEdgeWritesEveryBranch(beta: Double, expected: Double) throws {
        let folder = temporaryFolder()
        let text = try Self.scenario([("parameter: beta", "parameter: mix"), ("from: 0.0", "from: 0.05"), ("to: 3.0", "to: 1.0"),
                                      ("    curve: {parameter: mix, from: 1.0, to: 0.2}\n", ""),
                                      ("  kind: ising\n", "  kind: ising\n  beta: \(beta)\n")])
        try text.write(toFile: folder + "/mix.yaml", atomically: true, encoding: .utf8)
        let result = try runEbmflow(["run", folder + "/mix.yaml", "--output", folder + "/out", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: folder + "/out/bifurcation.dat", encoding: .utf8).split(separator: "\n")
        #expect(!rows.contains { $0.contains("ended early") })
        let data = rows.filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ") }
        for branch in ["0", "1", "2"] {
            #expect(data.last { $0[0] == branch }?[1] == "1", "branch \(branch) ends on mix = 1")
        }
        let points = try String(contentsOfFile: folder + "/out/bifurcation_points.dat", encoding: .utf8)
        let row = try #require(points.split(separator: "\n").first { $0.hasPrefix("0 branch-point ") })
        let found = try #require(Double(row.split(separator: " ")[2]))
        let c = (exp(2 * beta) - 1) / (exp(2 * beta) + 3), critical = (pow(cosh(0.5), 2) - 1) / 2
        #expect(abs(found - critical / c) < 1e-9, "\(found) vs \(critical / c)")
        #expect(abs(found - expected) < 5e-9)
        let summary = try String(contentsOfFile: folder + "/out/summary.json", encoding: .utf8)
        #expect(summary.contains("\"status\" : \"reachedBound\""))
    }

    /// Five catalog starts, one unit each, on one thread: SIGINT once the
    /// first is checkpointed, then `--resume` writes the same bytes.
    @Test func interruptedContinuationResumesToTheSameFiles() throws {
        let folder = temporaryFolder()
        let text = try Self.scenario([("    start: init", "    start: catalog"), ("from: 0.0", "from: 1.0"), ("to: 3.0", "to: 0.0"),
                                      ("{initial: 0.01, min: 1.0e-8, max: 0.05}", "{initial: 0.001, min: 1.0e-8, max: 0.004}"),
                                      ("max_points: 2000", "max_points: 20000"),
                                      ("analyses:\n", "analyses:\n  fixed_points: {methods: [newton], starts: 20, seed: 3}\n")])
        try text.write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
        try InterruptionTests().interruptAndResume(
            ["run", folder + "/c.yaml", "--threads", "1"], checkpoint: ".checkpoint-continuation.json",
            files: ["bifurcation.dat", "bifurcation_points.dat", "special_curves.dat", "summary.json"])
    }

    /// The phase-diagram scenario: `ebmflow plot` renders the bifurcation
    /// diagram and the phase diagram, and `special_curves.dat` names its
    /// columns after the two parameters.
    @Test func phaseDiagramIsPlotted() throws {
        let folder = temporaryFolder()
        let result = try runEbmflow(["run", repositoryRoot + "/scenarios/phase-diagram-rbm.yaml", "--output", folder, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let curves = try String(contentsOfFile: folder + "/special_curves.dat", encoding: .utf8)
        #expect(curves.contains("# columns: curve type beta mix theta_norm a[0]"))
        let written = try PlotRenderer(scriptsFolder: repositoryRoot + "/plots").render(folder: folder)
        #expect(Set(written.map { ($0 as NSString).lastPathComponent }) == ["bifurcation.png", "special_curves.png"])
        for png in written {
            #expect(try Data(contentsOf: URL(fileURLWithPath: png)).count > 1000)
        }
    }
}
