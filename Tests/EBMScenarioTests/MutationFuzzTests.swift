import Testing
@testable import EBMScenario

/// Random mutations of a valid scenario (seeded, so failures reproduce):
/// the loader never crashes, every refusal names a key path or the YAML
/// syntax, and mutations known to make the file invalid are never accepted.
@Suite struct MutationFuzzTests {
    static let valid = """
    name: fuzz
    spins: 4
    target:
      kind: random
      seed: 7
      orders: [1, 2, 3, 4]
      scale: [0.6, 0.4, 0.3, 0.2]
    model:
      kind: rbm
      hidden: 4
    init:
      kind: normal
      scale: 1.0e-3
      seed: 1
    integrator:
      rtol: 1.0e-8
      atol: 1.0e-10
      t_end: 1.0e4
      grad_tol: 1.0e-10
      linear_solver: auto
      max_steps: 1000000
    analyses:
      trajectory: {samples: 400, spacing: log, t_min: 1.0e-3}
      orders: {epsilon: [0.1, 0.01]}
      basins:
        plane: {x: "W[0,0]", y: "b[0]", center: init}
        range: {x: [-3, 3], y: [-3, 3]}
        resolution: [20, 20]
    output: out/fuzz
    """

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
    }

    static let alphabet = Array(" :-[]{},.#\"'\n0123456789eEabcxyz_")

    /// Character- and line-level mutations: the loader must return or throw,
    /// never trap, and a refusal always carries diagnostics.
    @Test func randomMutationsNeverCrash() {
        var g = Generator(state: 42)
        let lines = Self.valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var accepted = 0, refused = 0
        for _ in 0..<1500 {
            var text = Array(Self.valid)
            var mutated = lines
            switch g.next(5) {
            case 0: if !text.isEmpty { text.remove(at: g.next(text.count)) }; mutated = [String(text)]
            case 1: text.insert(Self.alphabet[g.next(Self.alphabet.count)], at: g.next(text.count + 1)); mutated = [String(text)]
            case 2: let i = g.next(lines.count); mutated.insert(lines[i], at: g.next(lines.count))
            case 3: let i = g.next(lines.count), j = g.next(lines.count); mutated.swapAt(i, j)
            default: mutated.remove(at: g.next(lines.count))
            }
            do {
                _ = try Scenario.parse(yaml: mutated.joined(separator: "\n"), fileName: "fuzz.yaml")
                accepted += 1
            } catch let error as ScenarioError {
                #expect(!error.diagnostics.isEmpty)
                refused += 1
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
        #expect(accepted + refused == 1500 && refused > 500)
    }

    /// Mutations that must invalidate: every one is refused, at its key.
    @Test func knownInvalidMutationsAreRefused() {
        let cases: [(String, String, String)] = [
            ("spins: 4", "spins: -4", "spins"),
            ("spins: 4", "spins: 4.0", "spins"),
            ("hidden: 4", "hidden: 0", "model.hidden"),
            ("rtol: 1.0e-8", "rtol: 0", "integrator.rtol"),
            ("atol: 1.0e-10", "atol: -1", "integrator.atol"),
            ("t_end: 1.0e4", "t_end: -5", "integrator.t_end"),
            ("max_steps: 1000000", "max_steps: 0", "integrator.max_steps"),
            ("scale: [0.6, 0.4, 0.3, 0.2]", "scale: [0.6, 0.4]", "target.scale"),
            ("orders: [1, 2, 3, 4]", "orders: [0, 1]", "target.orders"),
            ("samples: 400", "samples: 1", "analyses.trajectory.samples"),
            ("epsilon: [0.1, 0.01]", "epsilon: [0.1, 2]", "analyses.orders.epsilon"),
            ("resolution: [20, 20]", "resolution: [20]", "analyses.basins.resolution"),
            ("kind: rbm", "kind: boltzmann", "model.kind"),
            ("linear_solver: auto", "linear_solver: cholesky", "integrator.linear_solver"),
            ("name: fuzz", "name: fuzz\nextra: 1", "extra"),
        ]
        var g = Generator(state: 7)
        for (from, to, key) in cases {
            // Also with a random harmless mutation elsewhere: a comment line.
            var text = Self.valid.replacingOccurrences(of: from, with: to)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.insert("# note \(g.next(1000))", at: g.next(lines.count))
            text = lines.joined(separator: "\n")
            do {
                _ = try Scenario.parse(yaml: text, fileName: "fuzz.yaml")
                Issue.record("accepted an invalid scenario: \(to)")
            } catch let error as ScenarioError {
                #expect(error.diagnostics.contains { $0.keyPath.hasPrefix(key) && $0.line != nil }, "\(to): \(error)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
