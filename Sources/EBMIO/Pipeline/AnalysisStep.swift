import EBMAnalysis
import EBMScenario

/// What one analysis step reads from and leaves for the others.
public enum RunProduct: String, Sendable {
    /// The sampled trajectory (computed once, by whichever step asks first).
    case trajectory
    /// The catalog's fixed points from the fixed-point search.
    case fixedPoints
    /// The attractors a basin map adds to the catalog.
    case basinAttractors
}

/// One analysis of a run: its name (the scenario key), whether a
/// scenario asks for it, what it reads and adds, and the work itself
/// (each in its own file). Steps run in the registry's order, which
/// respects their inputs and outputs, so the order of blocks in a
/// scenario never changes a result.
struct AnalysisStep: Sendable {
    let name: String
    let inputs: Set<RunProduct>
    let outputs: Set<RunProduct>
    let isRequested: @Sendable (AnalysesSpecification) -> Bool
    let run: @Sendable (RunContext) throws -> Void
    /// The analyses its checkpoints are named after (`.checkpoint-NAME.json`;
    /// a name ending in `-` stands for every phase under it).
    var checkpoints: [String] = []

    /// Whether the checkpoint of `analysis` is this step's.
    func owns(checkpoint analysis: String) -> Bool {
        checkpoints.contains { $0.hasSuffix("-") ? analysis.hasPrefix($0) : analysis == $0 }
    }
}

/// Every analysis this version runs, in the order they run.
enum AnalysisRegistry {
    static let steps: [AnalysisStep] = [
        AnalysisStep(name: "trajectory", inputs: [.trajectory], outputs: [],
                     isRequested: { $0.trajectory != nil }, run: TrajectoryStep.run),
        AnalysisStep(name: "orders", inputs: [.trajectory], outputs: [],
                     isRequested: { $0.orders != nil }, run: OrdersStep.run),
        AnalysisStep(name: "fixed_points", inputs: [.trajectory], outputs: [.fixedPoints],
                     isRequested: { $0.fixedPoints != nil }, run: FixedPointsStep.run, checkpoints: ["fixed_points-"]),
        AnalysisStep(name: "continuation", inputs: [.trajectory, .fixedPoints], outputs: [],
                     isRequested: { $0.continuation != nil }, run: ContinuationStep.run, checkpoints: ["continuation"]),
        AnalysisStep(name: "basins", inputs: [.trajectory, .fixedPoints], outputs: [.basinAttractors],
                     isRequested: { $0.basins != nil }, run: BasinsStep.run, checkpoints: ["basins"]),
        AnalysisStep(name: "portrait", inputs: [.trajectory, .fixedPoints, .basinAttractors], outputs: [],
                     isRequested: { $0.portrait != nil }, run: PortraitStep.run),
    ]

    static var names: [String] { steps.map(\.name) }

    static func requested(in analyses: AnalysesSpecification) -> [AnalysisStep] {
        steps.filter { $0.isRequested(analyses) }
    }

    /// Every step runs after each step that makes what it reads (the
    /// catalog's fixed points before continuation, basins and portraits;
    /// the basin attractors before portraits).
    static var isOrdered: Bool {
        for (i, step) in steps.enumerated() {
            let consumed = step.inputs.subtracting(step.outputs)
            if steps[(i + 1)...].contains(where: { !$0.outputs.isDisjoint(with: consumed) }) { return false }
        }
        return true
    }
}
