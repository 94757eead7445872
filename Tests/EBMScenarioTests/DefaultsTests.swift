import Testing
@testable import EBMScenario

private let minimal = """
name: minimal
spins: 3
target: {kind: ising, couplings: [{sites: [0, 1], value: 0.5}]}
model: {kind: rbm, hidden: 2}
"""

/// `minimal` with every default written out, as docs/scenarios.md gives them.
private let everyDefaultWrittenOut = """
name: minimal
spins: 3
target: {kind: ising, couplings: [{sites: [0, 1], value: 0.5}], beta: 1.0}
model: {kind: rbm, hidden: 2, units: spin, frozen: []}
init: {kind: normal, scale: 1.0e-3, seed: 1}
integrator:
  rtol: 1.0e-8
  atol: 1.0e-10
  t_end: 1.0e4
  grad_tol: 1.0e-10
  linear_solver: auto
  max_steps: 1000000
"""

/// Every analysis requested with nothing but its required keys.
private let analysesWithoutOptions = minimal + """

analyses:
  trajectory:
  orders: {}
  fixed_points:
  continuation: {parameter: beta, from: 0, to: 1}
  basins: {plane: {random: 5}}
  portrait: {plane: {x: "a[0]", y: "a[1]"}}
"""

/// The same analyses with every default written out.
private let analysesWrittenOut = everyDefaultWrittenOut + """

analyses:
  trajectory: {samples: 400, spacing: log, t_min: 1.0e-3}
  orders: {epsilon: [0.1, 0.01, 0.001]}
  fixed_points:
    methods: [newton, deflation, homotopy, plateau, flows, lifts]
    starts: {count: 50, kind: normal, scale: 0.5, center: zero}
    flows: 8
    seed: 3
    tol_dc: 1.0e-6
    grad_tol: 1.0e-10
    eigen_tol: 1.0e-8
  continuation:
    parameter: beta
    from: 0
    to: 1
    start: init
    step: {initial: 0.01, min: 1.0e-8, max: 0.05}
    max_points: 5000
  basins:
    plane: {random: 5, center: init}
    range: {x: [-3, 3], y: [-3, 3]}
    resolution: [200, 200]
    t_max: 1.0e4
    tol: 1.0e-8
  portrait:
    plane: {x: "a[0]", y: "a[1]", center: init}
    range: {x: [-2, 2], y: [-2, 2]}
    grid: [25, 25]
    orbits: {grid: [5, 5], t_max: 100}
"""

/// Compares decoded values, not the text they came from.
private func withoutSource(_ scenario: Scenario) -> Scenario {
    var scenario = scenario
    scenario.sourceText = ""
    return scenario
}

@Suite("Defaults")
struct DefaultsTests {
    @Test func aMinimalScenarioGetsEveryDefault() throws {
        let scenario = try Scenario.parse(yaml: minimal)
        #expect(scenario.target.beta == 1)
        #expect(scenario.model == ModelSpecification(kind: .rbm(hidden: 2, units: .spin), frozen: []))
        #expect(scenario.initialization == .normal(scale: 1e-3, seed: 1))
        #expect(scenario.integrator.relativeTolerance == 1e-8)
        #expect(scenario.integrator.absoluteTolerance == 1e-10)
        #expect(scenario.integrator.endTime == 1e4)
        #expect(scenario.integrator.gradientTolerance == 1e-10)
        #expect(scenario.integrator.linearSolver == .auto)
        #expect(scenario.integrator.maxSteps == 1_000_000)
        #expect(scenario.analyses.isEmpty)
        #expect(scenario.output == nil)
    }

    @Test func writingEveryDefaultOutChangesNothing() throws {
        let implicit = try Scenario.parse(yaml: minimal)
        let explicit = try Scenario.parse(yaml: everyDefaultWrittenOut)
        #expect(withoutSource(implicit) == withoutSource(explicit))
    }

    @Test func analysesWithoutOptionsGetEveryDefault() throws {
        let analyses = try Scenario.parse(yaml: analysesWithoutOptions).analyses
        #expect(analyses.trajectory == TrajectorySpecification(samples: 400, spacing: .logarithmic, minimumTime: 1e-3))
        #expect(analyses.orders == OrdersSpecification(thresholds: [0.1, 0.01, 0.001]))
        #expect(analyses.fixedPoints == FixedPointsSpecification(
            methods: [.newton, .deflation, .homotopy, .plateau, .flows, .lifts], starts: 50,
            startDistribution: .init(kind: .normal, scale: 0.5, center: .zero), flows: 8, seed: 3,
            consistencyTolerance: 1e-6, gradientTolerance: 1e-10, eigenvalueTolerance: 1e-8))
        #expect(analyses.continuation == ContinuationSpecification(
            parameter: .beta, from: 0, to: 1, start: .initialization,
            step: .init(initial: 0.01, minimum: 1e-8, maximum: 0.05), maxPoints: 5000))
        #expect(analyses.basins == BasinsSpecification(
            plane: .random(seed: 5, center: .initialization), range: PlaneRange(x: -3...3, y: -3...3),
            resolution: GridSize(x: 200, y: 200), maximumTime: 1e4, tolerance: 1e-8))
        #expect(analyses.portrait == PortraitSpecification(
            plane: .axes(x: "a[0]", y: "a[1]", center: .initialization), range: PlaneRange(x: -2...2, y: -2...2),
            grid: GridSize(x: 25, y: 25), orbits: .init(grid: GridSize(x: 5, y: 5), maximumTime: 100)))
    }

    @Test func writingEveryAnalysisDefaultOutChangesNothing() throws {
        let implicit = try Scenario.parse(yaml: analysesWithoutOptions)
        let explicit = try Scenario.parse(yaml: analysesWrittenOut)
        #expect(withoutSource(implicit) == withoutSource(explicit))
    }

    /// The public initialisers carry the same defaults as the decoder, so
    /// that code building a scenario by hand gets what a file would.
    @Test func initialisersCarryTheDecodersDefaults() throws {
        let scenario = try Scenario.parse(yaml: analysesWithoutOptions)
        let built = Scenario(
            name: "minimal", spins: 3,
            target: TargetSpecification(kind: .ising(couplings: [CouplingSpecification(sites: [0, 1], value: 0.5)])),
            model: ModelSpecification(kind: .rbm(hidden: 2, units: .spin)),
            analyses: AnalysesSpecification(
                trajectory: TrajectorySpecification(), orders: OrdersSpecification(),
                fixedPoints: FixedPointsSpecification(),
                continuation: ContinuationSpecification(parameter: .beta, from: 0, to: 1),
                basins: BasinsSpecification(plane: .random(seed: 5, center: .initialization)),
                portrait: PortraitSpecification(plane: .axes(x: "a[0]", y: "a[1]", center: .initialization))))
        #expect(withoutSource(scenario) == built)
    }

    @Test func kindDefaults() throws {
        let ising = try Scenario.parse(yaml: "spins: 5\ntarget: {kind: parity, strength: 1}\nmodel: {kind: ising}")
        #expect(ising.model.kind == .ising(order: 5))
        #expect(ising.target.kind == .parity(strength: 1, couplings: []))
        let mlp = try Scenario.parse(yaml: "spins: 2\ntarget: {kind: data, file: x.txt}\nmodel: {kind: mlp, layers: [4]}")
        #expect(mlp.model.kind == .mlp(layers: [4], activation: .tanh))
        #expect(mlp.target.kind == .data(file: "x.txt", pseudocount: 0, columns: nil))
        let uniform = try Scenario.parse(yaml: minimal + "\ninit: {kind: uniform}")
        #expect(uniform.initialization == .uniform(scale: 1e-3, seed: 1))
        let scaled = try Scenario.parse(yaml: minimal + "\ninit: {scale: 0.1}")
        #expect(scaled.initialization == .normal(scale: 0.1, seed: 1))
    }

    @Test func theNameDefaultsToTheFileName() throws {
        let text = "spins: 1\ntarget: {kind: table, probabilities: [1, 3]}\nmodel: {kind: ising}"
        #expect(try Scenario.parse(yaml: text, fileName: "scenarios/hierarchy.yaml").name == "hierarchy")
        #expect(try Scenario.parse(yaml: text).name == "scenario")
    }
}
