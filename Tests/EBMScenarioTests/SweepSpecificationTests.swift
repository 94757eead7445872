import Testing
@testable import EBMScenario

private let base = """
name: s
spins: 3
target: {kind: random, seed: 7, orders: [1, 2], scale: 0.5}
model: {kind: rbm, hidden: 2}
init: {kind: normal, scale: 1.0e-3, seed: 10}
"""

private func withSweep(_ text: String) -> String { base + "\n" + text }

@Suite struct SweepSpecificationTests {
    @Test func scenarioWithoutSweepHasNone() throws {
        #expect(try Scenario.parse(yaml: base).sweep == nil)
    }

    @Test func seedsOnly() throws {
        let scenario = try Scenario.parse(yaml: withSweep("sweep: {seeds: 3}"))
        let sweep = try #require(scenario.sweep)
        #expect(sweep == SweepSpecification(seeds: 3))
        let members = sweep.members(of: scenario)
        #expect(members.map(\.seed) == [10, 11, 12])
        #expect(members.map(\.value) == [10, 11, 12])
        #expect(members.map(\.id) == [0, 1, 2])
        #expect(members[2].scenario.initialization == .normal(scale: 1e-3, seed: 12))
    }

    @Test func initScaleWithSeeds() throws {
        let scenario = try Scenario.parse(yaml: withSweep("sweep:\n  seeds: 2\n  over: init_scale\n  values: [1.0e-3, 0.1, 1]"))
        let sweep = try #require(scenario.sweep)
        #expect(sweep.variation == .initScale([1e-3, 0.1, 1]))
        #expect(sweep.memberCount == 6)
        let members = sweep.members(of: scenario)
        #expect(members.map(\.value) == [1e-3, 1e-3, 0.1, 0.1, 1, 1])
        #expect(members.map(\.seed) == [10, 11, 10, 11, 10, 11])
        #expect(members[3].scenario.initialization == .normal(scale: 0.1, seed: 11))
        #expect(members[3].scenario.target == scenario.target)
    }

    @Test func otherSettings() throws {
        let targets = try Scenario.parse(yaml: withSweep("sweep: {over: target_seed, values: [1, 2]}"))
        let t = targets.sweep!.members(of: targets)
        #expect(t.count == 2 && t.map(\.seed) == [10, 10])
        #expect(t[1].scenario.target.kind == .random(seed: 2, orders: [1, 2], scales: [0.5, 0.5]))
        let hidden = try Scenario.parse(yaml: withSweep("sweep: {over: hidden, values: [1, 4], seeds: 2}"))
        let h = hidden.sweep!.members(of: hidden)
        #expect(h.map(\.value) == [1, 1, 4, 4])
        #expect(h[2].scenario.model.kind == .rbm(hidden: 4, units: .spin))
        let seeds = try Scenario.parse(yaml: withSweep("sweep: {over: init_seed, values: [5, 3]}"))
        #expect(seeds.sweep!.members(of: seeds).map(\.seed) == [5, 3])
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let yaml: String
        let keyPath: String
        let line: Int
        let fragment: String
        var testDescription: String { fragment }
    }

    static let bad: [Bad] = [
        Bad(yaml: withSweep("sweep: {seeds: 0}"), keyPath: "sweep.seeds", line: 6, fragment: "seeds must be at least 1, got 0"),
        Bad(yaml: withSweep("sweep: {seeds: 1}"), keyPath: "sweep.seeds", line: 6, fragment: "a sweep needs seeds >= 2 or `over` with `values`"),
        Bad(yaml: withSweep("sweep:\n  over: init_scal\n  values: [1]"), keyPath: "sweep.over", line: 7,
            fragment: "unknown swept setting `init_scal`; did you mean `init_scale`?"),
        Bad(yaml: withSweep("sweep:\n  seeds: 2\n  values: [1, 2]"), keyPath: "sweep.values", line: 8, fragment: "values need `over`"),
        Bad(yaml: withSweep("sweep:\n  over: init_scale"), keyPath: "sweep.values", line: 6, fragment: "missing required key `values` in `sweep`"),
        Bad(yaml: withSweep("sweep:\n  over: init_scale\n  values: []"), keyPath: "sweep.values", line: 8, fragment: "list at least one value"),
        Bad(yaml: withSweep("sweep:\n  over: init_scale\n  values: [0.1, -1]"), keyPath: "sweep.values[1]", line: 8,
            fragment: "a scale must be positive, got -1"),
        Bad(yaml: withSweep("sweep:\n  over: hidden\n  values: [2, 2]"), keyPath: "sweep.values[1]", line: 8, fragment: "value 2 is listed twice"),
        Bad(yaml: withSweep("sweep:\n  over: hidden\n  values: [1.5]"), keyPath: "sweep.values[0]", line: 8, fragment: "expected an integer, got 1.5"),
        Bad(yaml: withSweep("sweep:\n  over: init_seed\n  seeds: 3\n  values: [1, 2]"), keyPath: "sweep.seeds", line: 8,
            fragment: "with over: init_seed the values are the seeds"),
        Bad(yaml: withSweep("sweep: {seeds: 2, colour: red}"), keyPath: "sweep.colour", line: 6, fragment: "unknown key `colour` in `sweep`"),
        Bad(yaml: base.replacingOccurrences(of: "model: {kind: rbm, hidden: 2}", with: "model: {kind: ising}")
                + "\nsweep:\n  over: hidden\n  values: [1, 2]",
            keyPath: "sweep.over", line: 7, fragment: "over: hidden needs a model of kind rbm"),
        Bad(yaml: base.replacingOccurrences(of: "target: {kind: random, seed: 7, orders: [1, 2], scale: 0.5}", with: "target: {kind: parity, strength: 1}")
                + "\nsweep:\n  over: target_seed\n  values: [1, 2]",
            keyPath: "sweep.over", line: 7, fragment: "over: target_seed needs a target of kind random"),
        Bad(yaml: base.replacingOccurrences(of: "init: {kind: normal, scale: 1.0e-3, seed: 10}", with: "init: {kind: zeros}")
                + "\nsweep: {seeds: 4}",
            keyPath: "sweep.seeds", line: 6, fragment: "varying the initialisation needs a random init"),
        Bad(yaml: withSweep("sweep: [1, 2]"), keyPath: "sweep", line: 6, fragment: "expected a map of keys, got a list"),
    ]

    @Test(arguments: bad)
    func refusesWithKeyLineAndReason(_ bad: Bad) throws {
        let error = try #require(throws: ScenarioError.self) { try Scenario.parse(yaml: bad.yaml, fileName: "bad.yaml") }
        let diagnostic = try #require(error.diagnostics.first)
        #expect(error.diagnostics.count == 1, "\(error)")
        #expect(diagnostic.keyPath == bad.keyPath, "\(error)")
        #expect(diagnostic.line == bad.line, "\(error)")
        #expect(diagnostic.message.contains(bad.fragment), "\(error)")
    }
}
