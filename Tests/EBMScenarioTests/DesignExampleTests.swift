import Foundation
import Testing
@testable import EBMScenario

@Suite("An annotated example scenario")
struct DesignExampleTests {
    @Test func everyFieldIsWhatTheExampleSays() throws {
        let scenario = try Scenario.parse(yaml: designExampleScenario, fileName: "demo.yaml")
        #expect(scenario.name == "demo")
        #expect(scenario.spins == 4)
        #expect(scenario.target == TargetSpecification(
            kind: .random(seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2]), beta: 1))
        #expect(scenario.model == ModelSpecification(kind: .rbm(hidden: 4, units: .spin), frozen: []))
        #expect(scenario.initialization == .normal(scale: 1.0e-3, seed: 1))
        #expect(scenario.integrator == IntegratorSpecification(
            relativeTolerance: 1.0e-8, absoluteTolerance: 1.0e-10, endTime: 1.0e4, gradientTolerance: 1.0e-10,
            linearSolver: .auto, maxSteps: 1_000_000))
        #expect(scenario.analyses.trajectory == TrajectorySpecification(
            samples: 400, spacing: .logarithmic, minimumTime: 1.0e-3))
        #expect(scenario.analyses.orders == OrdersSpecification(thresholds: [0.1, 0.01, 0.001]))
        // A plain `starts: 50` keeps its first meaning: starts drawn like `init`.
        #expect(scenario.analyses.fixedPoints == FixedPointsSpecification(
            methods: [.newton, .deflation, .homotopy, .plateau], starts: 50, startDistribution: nil, seed: 3,
            consistencyTolerance: 1e-6, gradientTolerance: 1e-10, eigenvalueTolerance: 1e-8))
        #expect(scenario.analyses.continuation == ContinuationSpecification(
            parameter: .beta, from: 0.0, to: 1.0, start: .initialization,
            step: .init(initial: 0.01, minimum: 1.0e-8, maximum: 0.05), maxPoints: 5000))
        #expect(scenario.analyses.basins == BasinsSpecification(
            plane: .axes(x: "W[0,0]", y: "b[0]", center: .initialization),
            range: PlaneRange(x: -3...3, y: -3...3), resolution: GridSize(x: 200, y: 200),
            maximumTime: 1.0e4, tolerance: 1.0e-8))
        #expect(scenario.analyses.portrait == PortraitSpecification(
            plane: .axes(x: "W[0,0]", y: "W[0,1]", center: .initialization),
            range: PlaneRange(x: -2...2, y: -2...2), grid: GridSize(x: 25, y: 25),
            orbits: .init(grid: GridSize(x: 5, y: 5), maximumTime: 100)))
        #expect(scenario.output == "out/demo")
        #expect(scenario.baseDirectory == nil)
        #expect(scenario.sourceText == designExampleScenario)
    }

    /// The whole value at once, so that a field added later without a check
    /// above still has to agree.
    @Test func theWholeValueIsTheExpectedOne() throws {
        let scenario = try Scenario.parse(yaml: designExampleScenario)
        let expected = Scenario(
            name: "demo", spins: 4,
            target: TargetSpecification(kind: .random(seed: 7, orders: [1, 2, 3, 4], scales: [0.6, 0.4, 0.3, 0.2])),
            model: ModelSpecification(kind: .rbm(hidden: 4, units: .spin)),
            initialization: .normal(scale: 1e-3, seed: 1),
            integrator: IntegratorSpecification(),
            analyses: AnalysesSpecification(
                trajectory: TrajectorySpecification(),
                orders: OrdersSpecification(),
                fixedPoints: FixedPointsSpecification(methods: [.newton, .deflation, .homotopy, .plateau], startDistribution: nil),
                continuation: ContinuationSpecification(parameter: .beta, from: 0, to: 1),
                basins: BasinsSpecification(plane: .axes(x: "W[0,0]", y: "b[0]", center: .initialization)),
                portrait: PortraitSpecification(plane: .axes(x: "W[0,0]", y: "W[0,1]", center: .initialization))),
            output: "out/demo", baseDirectory: nil, sourceText: designExampleScenario)
        #expect(scenario == expected)
    }

    @Test func loadingAFileRecordsItsFolderAndNamesItInMessages() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("ebmflow-scenario-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let good = folder.appendingPathComponent("demo.yaml").path
        try designExampleScenario.write(toFile: good, atomically: true, encoding: .utf8)
        let scenario = try Scenario.load(contentsOf: good)
        #expect(scenario.baseDirectory == folder.path)
        #expect(scenario.resolvedPath("data/x.txt") == folder.path + "/data/x.txt")
        #expect(scenario.resolvedPath("/abs/x.txt") == "/abs/x.txt")

        let bad = folder.appendingPathComponent("bad.yaml").path
        try designExampleScenario.replacingOccurrences(of: "spins: 4", with: "spins: 40")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let error = try #require(throws: ScenarioError.self) { try Scenario.load(contentsOf: bad) }
        #expect(error.description.hasPrefix("\(bad):2:8: spins: spins must be from 1 to 30"))

        let missing = folder.appendingPathComponent("missing.yaml").path
        let unreadable = try #require(throws: ScenarioError.self) { try Scenario.load(contentsOf: missing) }
        #expect(unreadable.diagnostics.count == 1)
        #expect(unreadable.diagnostics[0].line == nil)
        #expect(unreadable.description.hasPrefix("\(missing): cannot read the scenario file"))
    }
}
