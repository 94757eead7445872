import Foundation
import Testing
import EBMIO
import EBMScenario

@Suite struct ProblemDescriptionTests {
    /// `ebmflow info`'s values, in-process, on a table target whose entropy
    /// is computed here independently.
    @Test func describesATableTarget() throws {
        let p = [0.100708518731, 0.049085482051, 0.568845393053, 0.052509972778,
                 0.028183158091, 0.077903427762, 0.096874291078, 0.025889756456]
        let yaml = """
            name: table
            spins: 3
            target: {kind: table, probabilities: [\(p.map { "\($0)" }.joined(separator: ", "))]}
            model: {kind: rbm, hidden: 1}
            """
        let description = ProblemDescription(try ScenarioRunner.check(try Scenario.parse(yaml: yaml, fileName: "t.yaml")))
        let total = p.reduce(0, +)
        let entropy = -p.map { $0 / total }.reduce(0) { $0 + $1 * log($1) }
        #expect(abs(description.targetEntropy - entropy) < 1e-12)
        #expect(abs(description.divergenceFromUniform - (3 * log(2) - entropy)) < 1e-12)
        #expect(description.parameters == 7 && description.freeParameters == 7)
        // rbm(h = 1) on 3 spins has 7 = 2³ - 1 parameters and a generic full-rank G.
        #expect(description.expressivity?.rankG == 7 && description.expressivity?.fullyExpressive == true)
        #expect(description.smallestFullyExpressive?.hasPrefix("rbm(h=1, units=spin)") == true)
        #expect(description.linearSolver == "dense")
        #expect(description.lines.count == 8)
        // Typed and Codable: the same values come back from JSON.
        let back = try JSONDecoder().decode(ProblemDescription.self, from: try JSONEncoder().encode(description))
        #expect(back.lines == description.lines)
    }
}
