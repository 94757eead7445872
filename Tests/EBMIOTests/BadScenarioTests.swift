import Foundation
import Testing

/// Every file in `bad-scenarios/` is refused by `ebmflow validate` (exit 1)
/// with the messages in its `.expected` file: key path, line and column,
/// what is wrong and what to change. The README's Troubleshooting section
/// lists them.
@Suite struct BadScenarioTests {
    static let folder = repositoryRoot + "/Tests/EBMIOTests/bad-scenarios"
    static let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    @Test func thereAreAtLeastThirty() {
        #expect(Self.files.count >= 30)
    }

    @Test(arguments: files)
    func validateRefusesWithTheExpectedMessage(_ file: String) throws {
        let (status, output) = try runEbmflow(["validate", file], directory: Self.folder)
        #expect(status == 1, "\(file) was accepted")
        let expected = try String(contentsOfFile: Self.folder + "/" + file.replacingOccurrences(of: ".yaml", with: ".expected"), encoding: .utf8)
        for line in expected.split(separator: "\n") where !line.isEmpty {
            #expect(output.contains(line), "\(file): expected «\(line)» in «\(output)»")
        }
    }

    /// Every subcommand that reads a scenario places a resolution error in
    /// the file as validate does (`fail`'s shared formatting).
    @Test func runAndInfoPlaceResolutionErrors() throws {
        let file = Self.folder + "/frozen-plane-axis.yaml"
        for arguments in [["run", file, "--output", temporaryFolder(), "--quiet"], ["info", file]] {
            let result = try runEbmflow(arguments)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("error: \(file):9:23: analyses.basins.plane.x: `a[0]` is frozen"), "\(result.stderr)")
        }
    }
}
