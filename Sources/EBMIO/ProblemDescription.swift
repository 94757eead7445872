import EBMAnalysis
import EBMCore
import Foundation

/// What `ebmflow info` says of a scenario's problem: its size, the
/// model's expressivity and the smallest fully expressive member of its
/// family, the memory it needs, the linear solver, the target's entropy.
public struct ProblemDescription: Codable, Sendable {
    public let scenario: String
    public let spins: Int
    public let model: String
    public let parameters: Int
    public let freeParameters: Int
    /// Nil when `G` is too large to factor.
    public let expressivity: Expressivity?
    /// `ebmflow info`'s line on the smallest fully expressive member of the family.
    public let smallestFullyExpressive: String?
    public let memoryBytes: Double
    /// Of this machine, when it says (not a property of the problem).
    public let availableMemoryBytes: Double?
    public let linearSolverChoice: String
    public let linearSolver: String
    /// In nats.
    public let targetEntropy: Double

    public init(_ resolved: ResolvedScenario) {
        let model = resolved.model
        let n = resolved.scenario.spins
        scenario = resolved.scenario.name
        spins = n
        self.model = model.description
        parameters = model.parameterCount
        freeParameters = resolved.objective.dimension
        expressivity = ExpressivityReport.generic(model)
        smallestFullyExpressive = ExpressivitySearch.smallestFullyExpressive(like: model)?.summary
        memoryBytes = MemoryEstimate(spins: n, model: resolved.scenario.model, analyses: resolved.scenario.analyses).bytes
        availableMemoryBytes = MemoryEstimate.availableBytes
        linearSolverChoice = resolved.method.linearSolver.rawValue
        linearSolver = resolved.method.linearSolver.resolved(dimension: resolved.objective.dimension).name
        targetEntropy = resolved.target.entropy
    }

    /// `KL(q || uniform) = n log 2 - H(q)`.
    public var divergenceFromUniform: Double { Double(spins) * log(2) - targetEntropy }

    /// The lines `ebmflow info` prints.
    public var lines: [String] {
        var lines = [
            "scenario: \(scenario)",
            "spins: \(spins) (\(1 << spins) states, \((1 << spins) - 1) effective couplings)",
            "model: \(model), \(parameters) parameters, \(freeParameters) free",
        ]
        if let e = expressivity {
            lines.append("expressivity: generic rank of G = \(e.rankG) of \(e.fullRank) (\(e.fullyExpressive ? "fully expressive" : "not fully expressive"))")
        } else {
            lines.append("expressivity: not computed (G too large)")
        }
        if let smallestFullyExpressive { lines.append("smallest fully expressive: \(smallestFullyExpressive)") }
        lines.append("memory estimate: \(MemoryEstimate.formatted(memoryBytes))"
            + (availableMemoryBytes.map { " (available: \(MemoryEstimate.formatted($0)))" } ?? ""))
        lines.append("linear solver: \(linearSolverChoice) -> \(linearSolver)")
        lines.append("target: entropy \(String(format: "%.6f", targetEntropy)) nats, KL(q || uniform) = \(String(format: "%.6f", divergenceFromUniform))")
        return lines
    }
}
