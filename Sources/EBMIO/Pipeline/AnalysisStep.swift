import EBMAnalysis
import EBMScenario

/// What one analysis step reads from and leaves for the others.
public enum RunProduct: String, Sendable {
    /// The sampled trajectory (computed once, by whichever step asks first).
    case trajectory
    /// The fixed-point catalog: fixed points, basin attractors.
    case catalog
}

/// One analysis of a run: its name (the scenario key), whether a
/// scenario asks for it, what it reads and adds, and the work itself.
/// Steps run in the registry's order, which respects their inputs and
/// outputs, so the order of blocks in a scenario never changes a result.
protocol AnalysisStep {
    static var name: String { get }
    static var inputs: Set<RunProduct> { get }
    static var outputs: Set<RunProduct> { get }
    static func isRequested(in analyses: AnalysesSpecification) -> Bool
    static func run(_ run: RunContext) throws
}

/// Every analysis this version runs, in the order they run.
enum AnalysisRegistry {
    static let steps: [any AnalysisStep.Type] = [
        TrajectoryStep.self, OrdersStep.self, FixedPointsStep.self, ContinuationStep.self, BasinsStep.self, PortraitStep.self,
    ]

    static var names: [String] { steps.map { $0.name } }

    static func requested(in analyses: AnalysesSpecification) -> [any AnalysisStep.Type] {
        steps.filter { $0.isRequested(in: analyses) }
    }

    /// Each step's inputs are produced by an earlier step or on demand
    /// (the trajectory): checked by a test, so a new step cannot read a
    /// catalog that is filled after it.
    static var isOrdered: Bool {
        var produced: Set<RunProduct> = [.trajectory]
        for step in steps {
            guard step.inputs.isSubset(of: produced) else { return false }
            produced.formUnion(step.outputs)
        }
        return true
    }
}
