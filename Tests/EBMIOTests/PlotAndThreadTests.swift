import Foundation
import Testing
import EBMCore
import EBMIO
import EBMScenario

@Suite struct PlotAndThreadTests {
    /// `ebmflow plot` on the demo's output renders every plot whose data is
    /// there, each a non-empty PNG (gnuplot is installed by `make test`).
    @Test func plotsOfTheDemoAreNonEmptyPNGs() throws {
        let out = temporaryFolder()
        let demo = try Scenario.parse(yaml: DefaultScenario.text, fileName: DefaultScenario.fileName)
        _ = try ScenarioRunner.run(demo, options: RunOptions(output: out, quiet: true, quick: true))
        let written = try PlotRenderer(scriptsFolder: repositoryRoot + "/plots").render(folder: out)
        #expect(Set(written.map { ($0 as NSString).lastPathComponent }) == ["trajectory.png", "couplings.png", "basins.png", "portrait.png"])
        for png in written {
            let data = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(data.count > 1000)
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        }
    }

    /// Without gnuplot on the PATH, `ebmflow plot` says so and how to
    /// install it (`env` exits 127; before, the message was env's own).
    @Test func missingGnuplotIsNamedWithItsPackage() throws {
        let out = temporaryFolder()
        try "# columns: t KL\n1 1\n".write(toFile: out + "/trajectory.dat", atomically: true, encoding: .utf8)
        let (status, text) = try runEbmflow(["plot", out], environment: ["PATH": "/nonexistent"])
        #expect(status == 1)
        #expect(text.contains("gnuplot could not be started"), "\(text)")
        #expect(text.contains("install gnuplot-nox"), "\(text)")
    }

    /// A basin map run on 1 and on 2 threads writes the same bytes.
    @Test func basinFilesDoNotDependOnThreads() throws {
        let yaml = basinScenario(name: "threads", resolution: (9, 9))
        let one = temporaryFolder(), two = temporaryFolder()
        _ = try ScenarioRunner.run(try scenario(yaml), options: RunOptions(output: one, quiet: true, threads: 1))
        _ = try ScenarioRunner.run(try scenario(yaml), options: RunOptions(output: two, quiet: true, threads: 2))
        for name in ["basins.dat", "basin_times.dat", "basins_legend.dat", "basins.json"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: one + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: two + "/" + name))
            #expect(a == b, "\(name)")
        }
    }
}
