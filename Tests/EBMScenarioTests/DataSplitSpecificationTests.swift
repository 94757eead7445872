import Testing
@testable import EBMScenario

/// `target.holdout` and `target.split_seed` of a data target.
@Suite struct DataSplitSpecificationTests {
    private let base = "spins: 2\nmodel: {kind: ising}\ntarget:\n  kind: data\n  file: x.txt\n"

    @Test func holdoutAndSeedDecode() throws {
        let scenario = try Scenario.parse(yaml: base + "  holdout: 0.2\n  split_seed: 17\n")
        #expect(scenario.target.split == DataSplitSpecification(holdout: 0.2, seed: 17))
        #expect(scenario.target.kind == .data(file: "x.txt", pseudocount: 0, columns: nil))
        #expect(try Scenario.parse(yaml: base + "  holdout: 0.5\n").target.split == DataSplitSpecification(holdout: 0.5, seed: 0))
        #expect(try Scenario.parse(yaml: base).target.split == nil)
    }

    /// (extra lines, key path, line, fragment)
    static let malformed: [(String, String, Int, String)] = [
        ("  holdout: 1\n", "target.holdout", 6, "strictly between 0 and 1, got 1"),
        ("  holdout: 0\n", "target.holdout", 6, "strictly between 0 and 1, got 0"),
        ("  holdout: -0.1\n", "target.holdout", 6, "strictly between 0 and 1, got -0.1"),
        ("  holdout: lots\n", "target.holdout", 6, "expected a number"),
        ("  split_seed: 3\n", "target.split_seed", 6, "split_seed chooses the held-out samples, so it needs `holdout`"),
        ("  holdout: 0.2\n  split_seed: -3\n", "target.split_seed", 7, "expected a seed"),
        ("  holdout: 0.2\n  split_sed: 3\n", "target.split_sed", 7, "did you mean `split_seed`?"),
    ]

    @Test(arguments: 0..<malformed.count)
    func badValuesAreRefused(_ index: Int) throws {
        let (extra, keyPath, line, fragment) = Self.malformed[index]
        let error = try #require(throws: ScenarioError.self) { try Scenario.parse(yaml: base + extra, fileName: "bad.yaml") }
        #expect(error.diagnostics.count == 1, "\(error)")
        let diagnostic = try #require(error.diagnostics.first)
        #expect(diagnostic.keyPath == keyPath, "\(error)")
        #expect(diagnostic.line == line, "\(error)")
        #expect(diagnostic.message.contains(fragment), "\(error)")
    }

    @Test func holdoutBelongsToDataTargets() throws {
        let text = "spins: 2\nmodel: {kind: ising}\ntarget: {kind: parity, strength: 1, holdout: 0.2}\n"
        let error = try #require(throws: ScenarioError.self) { try Scenario.parse(yaml: text) }
        #expect(error.diagnostics.first?.keyPath == "target.holdout")
        #expect(error.description.contains("key `holdout` does not apply to kind `parity` in `target` (it belongs to kind `data`)"))
    }
}
