import Testing
@testable import EBMScenario

@Suite("Diagnostics")
struct DiagnosticsTests {
    @Test func everyProblemIsReportedAtOnceInFileOrder() throws {
        let text = """
            spins: 3
            target:
              kind: random
              seed: 7
              orders: [1, 5]
              scale: [0.5]
            model:
              kind: rbm
              hiden: 2
            integrator: {rtol: 0, linear_solver: lu}
            analyses:
              trajectory: {samples: 1}
            """
        let error = try #require(throws: ScenarioError.self) {
            try Scenario.parse(yaml: text, fileName: "many.yaml")
        }
        #expect(error.diagnostics.map(\.keyPath) == [
            "target.orders[1]", "model.hidden", "model.hiden", "integrator.rtol", "integrator.linear_solver",
            "analyses.trajectory.samples",
        ])
        #expect(error.diagnostics.map(\.line) == [5, 7, 9, 10, 10, 12])
        #expect(error.diagnostics.count == 6)
        #expect(error.description.components(separatedBy: "\n").count == 6)
        #expect(error.description.components(separatedBy: "\n")[2]
                == "many.yaml:9:3: model.hiden: unknown key `hiden` in `model`; did you mean `hidden`? "
                + "(valid keys: kind, frozen, hidden, units)")
    }

    /// `background: basins` needs a basins analysis on the portrait's plane
    /// and range; an invalid `t_max` is reported alone (t_limit is not
    /// compared with a default it never had), and one so large that the
    /// default t_limit would be infinite is refused.
    @Test func basinsAndPortraitConsistency() throws {
        let head = "spins: 3\ntarget: {kind: parity, strength: 1}\nmodel: {kind: rbm, hidden: 1}\nanalyses:\n"
        let portrait = "  portrait:\n    plane: {x: \"W[0,0]\", y: \"b[0]\"}\n    background: basins\n"
        func diagnostics(_ analyses: String) throws -> [ScenarioDiagnostic] {
            do {
                _ = try Scenario.parse(yaml: head + analyses, fileName: "s.yaml")
                return []
            } catch let error as ScenarioError {
                return error.diagnostics
            }
        }
        let alone = try diagnostics(portrait)
        #expect(alone.map(\.keyPath) == ["analyses.portrait.background"] && alone.first?.line == 7)
        #expect(alone.first?.message.contains("background: none") == true)
        let elsewhere = try diagnostics(portrait + "  basins:\n    plane: {x: \"W[0,0]\", y: \"a[0]\"}\n")
        #expect(elsewhere.map(\.keyPath) == ["analyses.portrait.background"])
        let same = try diagnostics(portrait + "  basins:\n    plane: {x: \"W[0,0]\", y: \"b[0]\"}\n    range: {x: [-2, 2], y: [-2, 2]}\n")
        #expect(same.isEmpty)
        let badTime = try diagnostics("  basins:\n    plane: {x: \"W[0,0]\", y: \"b[0]\"}\n    t_max: -1\n    t_limit: 100\n")
        #expect(badTime.map(\.keyPath) == ["analyses.basins.t_max"])
        let huge = try diagnostics("  basins:\n    plane: {x: \"W[0,0]\", y: \"b[0]\"}\n    t_max: 1.0e308\n")
        #expect(huge.map(\.keyPath) == ["analyses.basins.t_max"] && huge.first?.message.contains("1e300") == true)
    }

    /// Errors found after parsing carry a key path; the file shows where it is.
    @Test func keyPathsAreLocatedInTheText() {
        let location = KeyPathLocation(text: "spins: 3\ntarget:\n  kind: table\n  couplings:\n    - {sites: [0, 1], value: 0.5}\n    - {sites: [2], value: 1}\n\"odd.key\": 1\n")
        #expect(location.position(of: "spins")! == (1, 8))
        #expect(location.position(of: "target.kind")! == (3, 9))
        #expect(location.position(of: "target.couplings[1].sites")! == (6, 15))
        #expect(location.position(of: "\"odd.key\"")! == (7, 12))
        // The deepest part that exists: the list of couplings has no third entry.
        #expect(location.position(of: "target.couplings[2].sites")! == (5, 5))
        #expect(location.position(of: "model.frozen") == nil)
        #expect(KeyPathLocation.steps("a.\"b.c\"[3].d") == [.key("a"), .key("b.c"), .index(3), .key("d")])
    }

    @Test func theScaleMessageReadsAsTheBriefShowsIt() throws {
        let text = "spins: 4\ntarget:\n  kind: random\n  seed: 1\n  orders: [1, 2, 3, 4]\n  scale: [0.6, 0.4, 0.3]\nmodel: {kind: ising}"
        let error = try #require(throws: ScenarioError.self) {
            try Scenario.parse(yaml: text, fileName: "scenario.yaml")
        }
        #expect(error.description == "scenario.yaml:6:10: target.scale: expected 4 numbers (one per listed order), got 3")
    }

    @Test func duplicatesAreReportedAlongsideOtherProblemsWithOriginalColumns() throws {
        let text = "spins: 3\nspins: 3\ntarget: {kind: parity, kind: parity, strength: x}\nmodel: {kind: rbm, hidden: 1}"
        let error = try #require(throws: ScenarioError.self) { try Scenario.parse(yaml: text) }
        #expect(error.diagnostics.map(\.keyPath) == ["spins", "target.kind", "target.strength"])
        #expect(error.diagnostics.map(\.line) == [2, 3, 3])
        // Columns as written, not shifted by the marker that renamed the first `kind`.
        #expect(error.diagnostics.map(\.column) == [1, 24, 48])
    }

    @Test func aKeyRepeatedThreeTimesIsReportedTwice() throws {
        let text = "spins: 3\ntarget: {kind: parity, strength: 1}\nmodel: {kind: ising}\noutput: a\noutput: b\noutput: c"
        let error = try #require(throws: ScenarioError.self) { try Scenario.parse(yaml: text) }
        #expect(error.diagnostics.map(\.line) == [5, 6])
        #expect(error.diagnostics.allSatisfy { $0.keyPath == "output" })
    }

    @Test func diagnosticsWithoutAPlaceOmitIt() {
        let diagnostic = ScenarioDiagnostic(keyPath: "", line: nil, column: nil, message: "cannot read")
        #expect(diagnostic.formatted(fileName: "x.yaml") == "x.yaml: cannot read")
        let keyed = ScenarioDiagnostic(keyPath: "spins", line: 2, column: nil, message: "bad")
        #expect(keyed.formatted(fileName: "x.yaml") == "x.yaml:2: spins: bad")
    }

    @Test func suggestionsOnlyForCloseWords() {
        #expect(closestMatch(to: "rtoll", among: IntegratorSpecification.keys) == "rtol")
        #expect(closestMatch(to: "t_ned", among: IntegratorSpecification.keys) == "t_end")
        #expect(closestMatch(to: "Spins", among: Scenario.keys) == "spins")
        #expect(closestMatch(to: "colour", among: Scenario.keys) == nil)
        #expect(closestMatch(to: "x", among: ["y"]) == nil)
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test(arguments: [
        ("c", true), ("a[0]", true), ("b[12]", true), ("W[3,0]", true), ("w[2]", true),
        ("W1[0,1]", true), ("b2[3]", true), ("J{0,1,5}", true), ("J{4}", true),
        ("a[01]", false), ("a[-1]", false), ("W[0, 1]", false), ("W[0]", false), ("a[1,2]", false),
        ("J{}", false), ("J{1,0}", false), ("J{1,1}", false), ("W0[0,1]", false), ("x[0]", false),
        ("b", false), ("c[0]", false), ("J{0,1", false), ("", false),
    ])
    func parameterNameSyntax(name: String, wellFormed: Bool) {
        #expect((ParameterName.problem(with: name) == nil) == wellFormed)
    }
}
