/// The members of an ensemble of flows as work units: unit `i` solves
/// `problems[i]` (both passes of the orders analysis).
public struct OrderConvergenceUnits: WorkUnitKind {
    public typealias Record = SweepRecord
    public static let analysis = "sweep"
    public static let unitNoun = "sweep members"

    public let problems: [(problem: OrderConvergenceProblem, method: GradientFlowMethod)]
    public let recipe: WorkRecipe?

    public init(problems: [(problem: OrderConvergenceProblem, method: GradientFlowMethod)], recipe: WorkRecipe? = nil) {
        self.problems = problems
        self.recipe = recipe
    }

    public var count: Int { problems.count }

    public func makeWorker() throws -> (Int) throws -> SweepRecord {
        { i in
            do { return SweepRecord(convergence: try OrderConvergence.solve(problems[i].problem, method: problems[i].method), error: nil) }
            catch { return SweepRecord(convergence: nil, error: "\(error)") }
        }
    }
}

/// A finished ensemble member: its orders, or why it failed.
public struct SweepRecord: Codable, Sendable {
    public let convergence: OrderConvergence?
    public let error: String?

    public init(convergence: OrderConvergence?, error: String?) {
        self.convergence = convergence
        self.error = error
    }
}
