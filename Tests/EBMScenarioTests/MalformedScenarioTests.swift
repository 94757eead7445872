import Testing
@testable import EBMScenario

/// A valid scenario whose lines the malformed cases edit; line numbers in the
/// cases refer to it.
private let valid = """
name: t
spins: 3
target:
  kind: random
  seed: 7
  orders: [1, 2]
  scale: 0.5
model:
  kind: rbm
  hidden: 2
"""

/// `valid` with one whole line replaced (`line` counts from 1); the
/// replacement may span several lines.
private func editing(line: Int, to replacement: String) -> String {
    var lines = valid.components(separatedBy: "\n")
    lines[line - 1] = replacement
    return lines.joined(separator: "\n")
}

/// `valid` followed by more lines, the first of them line 11.
private func appending(_ text: String) -> String {
    valid + "\n" + text
}

struct Malformed: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    let keyPath: String
    let line: Int
    let fragment: String
    /// How many problems the text has in all.
    var count = 1

    var testDescription: String { name }
}

private let cases: [Malformed] = [
    Malformed(name: "unknown top-level key", yaml: appending("colour: red"),
              keyPath: "colour", line: 11, fragment: "unknown key `colour` at the top level (valid keys: name, spins,"),
    Malformed(name: "unknown nested key, with suggestion", yaml: appending("integrator:\n  rtoll: 1.0e-6"),
              keyPath: "integrator.rtoll", line: 12,
              fragment: "unknown key `rtoll` in `integrator`; did you mean `rtol`?"),
    Malformed(name: "unknown analysis, with suggestion", yaml: appending("analyses:\n  basin: {}"),
              keyPath: "analyses.basin", line: 12, fragment: "did you mean `basins`?"),
    Malformed(name: "key of another target kind", yaml: editing(line: 7, to: "  scale: 0.5\n  strength: 2"),
              keyPath: "target.strength", line: 8,
              fragment: "key `strength` does not apply to kind `random` in `target` (it belongs to kind `parity`)"),
    Malformed(name: "string for spins", yaml: editing(line: 2, to: "spins: four"),
              keyPath: "spins", line: 2, fragment: "expected an integer, got the string \"four\""),
    Malformed(name: "quoted number for spins", yaml: editing(line: 2, to: "spins: \"3\""),
              keyPath: "spins", line: 2, fragment: "expected an integer, got the string \"3\""),
    Malformed(name: "float for an integer", yaml: editing(line: 10, to: "  hidden: 2.5"),
              keyPath: "model.hidden", line: 10, fragment: "expected an integer, got 2.5"),
    Malformed(name: "list for a map", yaml: appending("integrator: [1, 2]"),
              keyPath: "integrator", line: 11, fragment: "expected a map of keys, got a list"),
    Malformed(name: "string for a number", yaml: editing(line: 7, to: "  scale: large"),
              keyPath: "target.scale", line: 7, fragment: "expected a number, got the string \"large\""),
    Malformed(name: "spins 0", yaml: editing(line: 2, to: "spins: 0"),
              keyPath: "spins", line: 2, fragment: "spins must be from 1 to 30: every analysis enumerates all 2^spins states"),
    Malformed(name: "spins 31", yaml: editing(line: 2, to: "spins: 31"),
              keyPath: "spins", line: 2, fragment: "2^spins states, got 31"),
    Malformed(name: "missing spins", yaml: editing(line: 2, to: "# no spins"),
              keyPath: "spins", line: 1, fragment: "missing required key `spins` at the top level"),
    Malformed(name: "table of the wrong length",
              yaml: editing(line: 3, to: "target:\n  kind: table\n  probabilities: [0.1, 0.2, 0.3, 0.4]")
                  .replacingOccurrences(of: "  kind: random\n  seed: 7\n  orders: [1, 2]\n  scale: 0.5\n", with: ""),
              keyPath: "target.probabilities", line: 5,
              fragment: "expected 2^3 = 8 probabilities (one per state), got 4"),
    Malformed(name: "zero probability",
              yaml: """
                  spins: 2
                  target:
                    kind: table
                    probabilities:
                      - 0.25
                      - 0
                      - 0.5
                      - 0.25
                  model: {kind: ising}
                  """,
              keyPath: "target.probabilities[1]", line: 6,
              fragment: "the probability of state 1 is 0: the target must be strictly positive"),
    Malformed(name: "negative probability, first bad entry named",
              yaml: "spins: 2\ntarget: {kind: table, probabilities: [0.25, 0.25, -0.1, 0]}\nmodel: {kind: ising}",
              keyPath: "target.probabilities[2]", line: 2,
              fragment: "the probability of state 2 is -0.1: the target must be strictly positive (the theory needs q(x) > 0"),
    Malformed(name: "negative pseudocount",
              yaml: "spins: 3\ntarget:\n  kind: data\n  file: x.txt\n  pseudocount: -0.5\nmodel: {kind: ising}",
              keyPath: "target.pseudocount", line: 5, fragment: "pseudocount must be >= 0, got -0.5"),
    Malformed(name: "order out of range", yaml: editing(line: 6, to: "  orders: [1, 4]"),
              keyPath: "target.orders[1]", line: 6, fragment: "order 4 is out of range: orders run from 1 to spins = 3"),
    Malformed(name: "order 0", yaml: editing(line: 6, to: "  orders: [0, 1]"),
              keyPath: "target.orders[0]", line: 6, fragment: "order 0 is out of range"),
    Malformed(name: "duplicate order", yaml: editing(line: 6, to: "  orders:\n    - 1\n    - 2\n    - 2"),
              keyPath: "target.orders[2]", line: 9, fragment: "order 2 is listed twice"),
    Malformed(name: "scale list of the wrong length", yaml: editing(line: 7, to: "  scale: [0.5, 0.4, 0.3]"),
              keyPath: "target.scale", line: 7, fragment: "expected 2 numbers (one per listed order), got 3"),
    Malformed(name: "non-positive scale", yaml: editing(line: 7, to: "  scale: [0.5, 0]"),
              keyPath: "target.scale[1]", line: 7, fragment: "a scale must be positive, got 0"),
    Malformed(name: "site out of range",
              yaml: "spins: 3\ntarget:\n  kind: ising\n  couplings:\n    - {sites: [0, 1], value: 0.5}\n"
                  + "    - {sites: [1, 3], value: 0.2}\nmodel: {kind: rbm, hidden: 1}",
              keyPath: "target.couplings[1].sites[1]", line: 6,
              fragment: "site 3 is out of range: sites run from 0 to 2 (spins = 3)"),
    Malformed(name: "repeated site in a coupling",
              yaml: "spins: 3\ntarget: {kind: ising, couplings: [{sites: [2, 2], value: 1}]}\nmodel: {kind: rbm, hidden: 1}",
              keyPath: "target.couplings[0].sites[1]", line: 2, fragment: "site 2 is listed twice"),
    Malformed(name: "missing target kind", yaml: editing(line: 4, to: "  # kind: random"),
              keyPath: "target.kind", line: 3, fragment: "missing required key `kind` in `target`"),
    Malformed(name: "unknown target kind", yaml: editing(line: 4, to: "  kind: gaussian"),
              keyPath: "target.kind", line: 4, fragment: "unknown target kind `gaussian`"),
    Malformed(name: "random target without seed", yaml: editing(line: 5, to: "  # seed: 7"),
              keyPath: "target.seed", line: 3, fragment: "missing required key `seed` in `target`"),
    Malformed(name: "parity target without strength",
              yaml: "spins: 3\ntarget:\n  kind: parity\nmodel: {kind: rbm, hidden: 1}",
              keyPath: "target.strength", line: 2, fragment: "missing required key `strength`"),
    Malformed(name: "missing model", yaml: editing(line: 8, to: "").replacingOccurrences(of: "  kind: rbm\n  hidden: 2", with: ""),
              keyPath: "model", line: 1, fragment: "missing required key `model` at the top level"),
    Malformed(name: "rbm without hidden", yaml: editing(line: 10, to: ""),
              keyPath: "model.hidden", line: 8, fragment: "missing required key `hidden` in `model`"),
    Malformed(name: "unknown model kind", yaml: editing(line: 9, to: "  kind: transformer"),
              keyPath: "model.kind", line: 9, fragment: "unknown model kind `transformer`"),
    Malformed(name: "ising order above spins", yaml: editing(line: 9, to: "  kind: ising\n  order: 4").replacingOccurrences(of: "  hidden: 2", with: ""),
              keyPath: "model.order", line: 10, fragment: "the order must be from 1 to spins = 3, got 4"),
    Malformed(name: "empty mlp layers", yaml: editing(line: 9, to: "  kind: mlp\n  layers: []").replacingOccurrences(of: "  hidden: 2", with: ""),
              keyPath: "model.layers", line: 10, fragment: "an mlp needs at least one hidden layer"),
    Malformed(name: "malformed frozen parameter", yaml: appending("  frozen: [\"b[0]\", \"W[0, 1]\"]"),
              keyPath: "model.frozen[1]", line: 11, fragment: "`W[0, 1]` is not a parameter name"),
    Malformed(name: "bad linear solver", yaml: appending("integrator:\n  linear_solver: lu"),
              keyPath: "integrator.linear_solver", line: 12,
              fragment: "unknown linear solver `lu` (expected one of `auto`, `dense`, `dense_cvode`, `gmres`)"),
    Malformed(name: "rtol 0", yaml: appending("integrator:\n  rtol: 0"),
              keyPath: "integrator.rtol", line: 12, fragment: "a relative tolerance must be positive and below 1, got 0"),
    Malformed(name: "negative rtol", yaml: appending("integrator:\n  rtol: -1.0e-6"),
              keyPath: "integrator.rtol", line: 12, fragment: "must be positive and below 1, got -1.0e-6"),
    Malformed(name: "t_end 0", yaml: appending("integrator:\n  atol: 1.0e-12\n  t_end: 0"),
              keyPath: "integrator.t_end", line: 13, fragment: "must be positive, got 0"),
    Malformed(name: "max_steps 0", yaml: appending("integrator: {max_steps: 0}"),
              keyPath: "integrator.max_steps", line: 11, fragment: "must be at least 1, got 0"),
    Malformed(name: "negative seed", yaml: appending("init: {kind: uniform, seed: -1}"),
              keyPath: "init.seed", line: 11, fragment: "expected a seed (an integer from 0 to 2^64-1), got -1"),
    Malformed(name: "one sample", yaml: appending("analyses:\n  trajectory: {samples: 1}"),
              keyPath: "analyses.trajectory.samples", line: 12, fragment: "samples must be at least 2, got 1"),
    Malformed(name: "t_min beyond t_end", yaml: appending("integrator: {t_end: 10}\nanalyses:\n  trajectory: {t_min: 20}"),
              keyPath: "analyses.trajectory.t_min", line: 13,
              fragment: "with log spacing t_min must be below the integrator's t_end = 10, got 20"),
    Malformed(name: "epsilon outside (0, 1)", yaml: appending("analyses:\n  orders:\n    epsilon: [0.1, 1]"),
              keyPath: "analyses.orders.epsilon[1]", line: 13, fragment: "it must lie in (0, 1), got 1"),
    Malformed(name: "no starts", yaml: appending("analyses:\n  fixed_points: {starts: 0}"),
              keyPath: "analyses.fixed_points.starts", line: 12, fragment: "starts must be at least 1"),
    Malformed(name: "step sizes out of order",
              yaml: appending("analyses:\n  continuation:\n    parameter: mix\n    from: 0\n    to: 1\n    step: {initial: 0.1, max: 0.05}"),
              keyPath: "analyses.continuation.step", line: 16, fragment: "min <= initial <= max, got min = 1e-08, initial = 0.1, max = 0.05"),
    Malformed(name: "pseudocount continuation without data",
              yaml: appending("analyses:\n  continuation: {parameter: pseudocount, from: 0, to: 1}"),
              keyPath: "analyses.continuation.parameter", line: 12, fragment: "only a `data` target has a pseudocount"),
    Malformed(name: "basin resolution 1", yaml: appending("analyses:\n  basins:\n    plane: {random: 5}\n    resolution: [1, 200]"),
              keyPath: "analyses.basins.resolution[0]", line: 14, fragment: "at least 2 points per axis, got 1"),
    Malformed(name: "empty range", yaml: appending("analyses:\n  portrait:\n    plane: {x: \"a[0]\", y: \"a[1]\"}\n    range: {x: [-1, 1], y: [2, 2]}"),
              keyPath: "analyses.portrait.range.y", line: 14, fragment: "the interval [2, 2] is empty"),
    Malformed(name: "plane through two fixed points", yaml: appending("analyses:\n  basins:\n    plane: {fixed_points: [0, 1]}"),
              keyPath: "analyses.basins.plane.fixed_points", line: 13, fragment: "expected 3 fixed points"),
    Malformed(name: "YAML syntax error", yaml: editing(line: 6, to: "  orders: [1, 2"),
              keyPath: "", line: 7, fragment: "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 6"),
    Malformed(name: "YAML indentation error", yaml: editing(line: 10, to: " hidden: 2"),
              keyPath: "", line: 10, fragment: "YAML syntax error"),
    Malformed(name: "duplicated top-level key", yaml: editing(line: 2, to: "spins: 3\nspins: 4"),
              keyPath: "spins", line: 3, fragment: "duplicated key `spins` at the top level (first given at line 2, column 1)"),
    Malformed(name: "duplicated key in a flow map",
              yaml: appending("integrator: {rtol: 1.0e-6, atol: 1.0e-9, rtol: 1.0e-7}"),
              keyPath: "integrator.rtol", line: 11, fragment: "duplicated key `rtol` in `integrator` (first given at line 11, column 14)"),
    Malformed(name: "empty scenario", yaml: "# nothing\n",
              keyPath: "", line: 1, fragment: "the scenario is empty"),
    Malformed(name: "scenario that is a list", yaml: "- spins: 3\n",
              keyPath: "", line: 1, fragment: "a scenario is a map of keys"),
]

@Suite("Malformed scenarios are refused with the key, the line and the reason")
struct MalformedScenarioTests {
    @Test(arguments: cases)
    func reportsTheProblem(_ malformed: Malformed) throws {
        let error = try #require(throws: ScenarioError.self) {
            try Scenario.parse(yaml: malformed.yaml, fileName: "bad.yaml")
        }
        #expect(error.diagnostics.count == malformed.count, "\(error)")
        let diagnostic = try #require(error.diagnostics.first)
        #expect(diagnostic.keyPath == malformed.keyPath, "\(error)")
        #expect(diagnostic.line == malformed.line, "\(error)")
        #expect(diagnostic.column != nil)
        #expect(diagnostic.message.contains(malformed.fragment), "\(error)")
        #expect(error.description.hasPrefix("bad.yaml:\(malformed.line):\(diagnostic.column!): "))
    }

    @Test func theTableIsLargeEnough() {
        #expect(cases.count >= 25)
    }
}
