import Foundation
import Testing
import EBMIO
import EBMScenario

/// The annotated scenario of docs/scenarios.md ("Every key") is the
/// reference users copy from: it must parse and resolve as it stands.
@Suite struct DocumentedScenarioTests {
    /// The first yaml block after `## Every key`.
    static func annotatedScenario() throws -> String {
        let text = try String(contentsOfFile: repositoryRoot + "/docs/scenarios.md", encoding: .utf8)
        let section = try #require(text.range(of: "## Every key"))
        let open = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "\n```", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound]) + "\n"
    }

    @Test func theAnnotatedScenarioParsesAndResolves() throws {
        let yaml = try Self.annotatedScenario()
        #expect(yaml.split(separator: "\n").count > 60, "the whole annotated file, not a fragment")
        let scenario = try Scenario.parse(yaml: yaml, fileName: "docs/scenarios.md")
        #expect(scenario.name == "demo")
        #expect(scenario.output == "out/demo")
        let resolved = try ResolvedScenario(scenario)
        #expect(resolved.scenario.analyses.basins != nil && resolved.scenario.analyses.portrait != nil)
    }
}
