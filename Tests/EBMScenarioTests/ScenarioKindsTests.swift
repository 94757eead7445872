import Testing
@testable import EBMScenario

/// Every kind and form the schema offers decodes into the value it names.
@Suite("Kinds and forms")
struct ScenarioKindsTests {
    private func parse(_ text: String) throws -> Scenario {
        try Scenario.parse(yaml: text)
    }

    @Test func targets() throws {
        let random = try parse("spins: 4\ntarget: {kind: random, seed: 18446744073709551615, orders: [3, 1], scale: 0.2, beta: 2}\nmodel: {kind: ising}")
        #expect(random.target == TargetSpecification(
            kind: .random(seed: .max, orders: [3, 1], scales: [0.2, 0.2]), beta: 2))

        let parity = try parse("""
            spins: 3
            target:
              kind: parity
              strength: -1.5
              couplings:
                - sites: [2]
                  value: 0.25
            model: {kind: ising}
            """)
        #expect(parity.target.kind == .parity(strength: -1.5, couplings: [CouplingSpecification(sites: [2], value: 0.25)]))

        let table = try parse("spins: 1\ntarget: {kind: table, probabilities: [1, 3]}\nmodel: {kind: ising}")
        #expect(table.target.kind == .table(probabilities: [1, 3]))

        let data = try parse("spins: 2\ntarget: {kind: data, file: \"data/x y.txt\", pseudocount: 0.5, columns: [3, 0]}\nmodel: {kind: ising}")
        #expect(data.target.kind == .data(file: "data/x y.txt", pseudocount: 0.5, columns: [3, 0]))
    }

    @Test func models() throws {
        let base = "spins: 3\ntarget: {kind: parity, strength: 1}\n"
        #expect(try parse(base + "model: {kind: ising, order: 2}").model.kind == .ising(order: 2))
        #expect(try parse(base + "model: {kind: rbm, hidden: 3, units: binary}").model.kind
                == .rbm(hidden: 3, units: .binary))
        #expect(try parse(base + "model: {kind: mlp, layers: [8, 4], activation: silu}").model.kind
                == .mlp(layers: [8, 4], activation: .silu))
        let frozen = try parse(base + "model:\n  kind: mlp\n  layers: [2]\n  frozen: [c, \"w[1]\", \"W1[0,2]\", \"b1[1]\", \"W12[3,4]\"]")
        #expect(frozen.model.frozen == ["c", "w[1]", "W1[0,2]", "b1[1]", "W12[3,4]"])
        let isingFrozen = try parse(base + "model: {kind: ising, frozen: [\"J{0,2}\", \"J{1}\"]}")
        #expect(isingFrozen.model.frozen == ["J{0,2}", "J{1}"])
    }

    @Test func initialisations() throws {
        let base = "spins: 2\ntarget: {kind: parity, strength: 1}\nmodel: {kind: rbm, hidden: 1}\n"
        #expect(try parse(base + "init: {kind: zeros}").initialization == .zeros)
        #expect(try parse(base + "init: {kind: uniform, scale: 0.5, seed: 9}").initialization
                == .uniform(scale: 0.5, seed: 9))
        #expect(try parse(base + "init: {kind: values, values: {\"a[0]\": 0.1, \"W[0,1]\": -0.2}}").initialization
                == .values(["a[0]": 0.1, "W[0,1]": -0.2]))
    }

    @Test func planesAndContinuationParameters() throws {
        let base = "spins: 3\ntarget: {kind: data, file: x.txt}\nmodel: {kind: ising}\nanalyses:\n"
        let fixedPoints = try parse(base + "  basins: {plane: {fixed_points: [2, 0, 1]}, resolution: [3, 4]}")
        #expect(fixedPoints.analyses.basins?.plane == .fixedPoints([2, 0, 1]))
        #expect(fixedPoints.analyses.basins?.resolution == GridSize(x: 3, y: 4))
        let random = try parse(base + "  portrait: {plane: {random: 11, center: end}, orbits: {grid: [1, 1]}}")
        #expect(random.analyses.portrait?.plane == .random(seed: 11, center: .end))
        #expect(random.analyses.portrait?.orbits.grid == GridSize(x: 1, y: 1))
        let axes = try parse(base + "  portrait: {plane: {x: \"J{0}\", y: \"J{0,1,2}\", center: catalog}}")
        #expect(axes.analyses.portrait?.plane == .axes(x: "J{0}", y: "J{0,1,2}", center: .catalog))

        let coupling = try parse(base + "  continuation: {parameter: \"J{0,2}\", from: -1, to: 1, start: end}")
        #expect(coupling.analyses.continuation?.parameter == .coupling(sites: [0, 2]))
        #expect(coupling.analyses.continuation?.parameter.name == "J{0,2}")
        #expect(coupling.analyses.continuation?.start == .end)
        let pseudocount = try parse(base + "  continuation: {parameter: pseudocount, from: 2, to: 0}")
        #expect(pseudocount.analyses.continuation?.parameter == .pseudocount)
        let mix = try parse(base + "  continuation: {parameter: mix, from: 0, to: 1, start: catalog}")
        #expect(mix.analyses.continuation?.parameter == .mix)
    }

    @Test func linearSpacingAllowsAnyPositiveMinimumTime() throws {
        let text = "spins: 2\ntarget: {kind: parity, strength: 1}\nmodel: {kind: ising}\n"
            + "integrator: {t_end: 1}\nanalyses: {trajectory: {spacing: linear, samples: 2, t_min: 5}}"
        #expect(try parse(text).analyses.trajectory == TrajectorySpecification(samples: 2, spacing: .linear, minimumTime: 5))
    }

    @Test func numbersInEveryWrittenForm() throws {
        let text = "spins: +3\ntarget: {kind: parity, strength: -2.5E-1}\nmodel: {kind: rbm, hidden: 1_000}\n"
            + "integrator: {t_end: 1e3, max_steps: 10_000, grad_tol: 0}"
        let scenario = try parse(text)
        #expect(scenario.spins == 3)
        #expect(scenario.target.kind == .parity(strength: -0.25, couplings: []))
        #expect(scenario.model.kind == .rbm(hidden: 1000, units: .spin))
        #expect(scenario.integrator.endTime == 1000)
        #expect(scenario.integrator.maxSteps == 10_000)
        #expect(scenario.integrator.gradientTolerance == 0)
    }
}
