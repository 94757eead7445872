import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// `F(θ, λ) = ∇L_λ(θ)`: the gradient of `KL(q_λ || p_θ)` over the free
/// parameters, as a family in the target parameter λ, with `∂F/∂θ = ∇²L_λ`
/// (symmetric, so stability along a branch is the Morse index) and
/// `∂F/∂λ = Σ_x ∂q_λ(x)/∂λ ∂_θE(x)`.
public final class LearningContinuationSystem: ParameterizedSystem {
    public let family: TargetFamily
    /// The model, frozen parameters and their values (its target is replaced per λ).
    public let template: LearningObjective
    private var cached: (lambda: Double, objective: LearningObjective)?

    public init(family: TargetFamily, objective: LearningObjective) {
        self.family = family
        self.template = objective
    }

    public var dimension: Int { template.dimension }
    public var isSymmetric: Bool { true }

    public func objective(at lambda: Double) throws -> LearningObjective {
        if let cached, cached.lambda == lambda { return cached.objective }
        let target = try family.target(at: lambda)
        var frozen = Set(0..<template.model.parameterCount)
        frozen.subtract(template.freeIndices)
        let objective = LearningObjective(model: template.model, target: target, frozen: frozen, frozenValues: template.frozenValues)
        cached = (lambda, objective)
        return objective
    }

    public func residual(_ x: [Double], parameter: Double) throws -> [Double] {
        try objective(at: parameter).evaluate(x).gradient
    }

    public func jacobian(_ x: [Double], parameter: Double) throws -> Matrix {
        try objective(at: parameter).evaluate(x).hessian()
    }

    public func parameterDerivative(_ x: [Double], parameter: Double) throws -> [Double] {
        let objective = try objective(at: parameter)
        let dq = family.derivative(at: parameter, target: objective.target)
        return objective.freeParameters(objective.evaluate(x).model.pullback(dq))
    }
}

/// A branch of fixed points with what the bifurcation diagram shows.
public struct BifurcationBranch: Sendable {
    public struct Point: Sendable {
        public let lambda: Double
        /// All model parameters.
        public let parameters: [Double]
        public let loss: Double
        public let index: Int
        public let neutral: Int
        public let kind: FixedPointKind
    }
    public let id: Int
    /// The branch it was switched from (nil for a first branch).
    public let parent: Int?
    public let points: [Point]
    public let specialPoints: [SpecialPoint]
    public let status: String
}

/// Follows fixed points as the target parameter moves (docs/design.md, Fixed points): from
/// each start (Newton-polished at `from`), pseudo-arclength continuation to
/// `to` with fold, branch-point and stability-change detection, then branch
/// switching at every branch point, both sides, one level deep.
public func bifurcationDiagram(system: LearningContinuationSystem, starts: [[Double]], from: Double, to: Double,
                               method: PseudoArclength, tolerances: ClassificationTolerances,
                               progress: ((String) -> Void)? = nil) throws -> [BifurcationBranch] {
    let newton = try NewtonSolver(residualTolerance: 1e-11)
    let range = min(from, to)...max(from, to)
    var branches: [BifurcationBranch] = []
    var starting: [[Double]] = []

    func record(_ branch: Branch, parent: Int?) throws {
        let points = try branch.points.map { point -> BifurcationBranch.Point in
            let objective = try system.objective(at: point.parameter)
            let classified = try FixedPoint.classify(point.x, objective: objective, tolerances: tolerances, foundBy: "continuation")
            return BifurcationBranch.Point(lambda: point.parameter, parameters: classified.parameters, loss: classified.loss,
                                           index: classified.unstable, neutral: classified.neutral, kind: classified.kind)
        }
        branches.append(BifurcationBranch(id: branches.count, parent: parent, points: points,
                                          specialPoints: branch.specialPoints, status: "\(branch.status)"))
        progress?("continuation: branch \(branches.count - 1): \(points.count) points, \(branch.specialPoints.count) special points (\(branch.status))")
    }

    for start in starts {
        let objective = try system.objective(at: from)
        let polished = try newton.solve(GradientSystem(objective: objective), from: start)
        guard polished.isConverged else {
            throw ContinuationStartError(reason: "Newton from the start did not converge at λ = \(from): \(polished.status)")
        }
        if starting.contains(where: { Vector.norm(Vector.difference($0, polished.solution)) < 1e-8 }) { continue }
        starting.append(polished.solution)
        let problem = try ContinuationProblem(system: system, start: polished.solution, parameter: from, parameterRange: range,
                                              direction: to > from ? .increasing : .decreasing)
        let branch = try continuation(problem, method)
        let parent = branches.count
        try record(branch, parent: nil)
        for special in branch.specialPoints(.branchPoint) {
            for side in BranchSide.allCases {
                do {
                    let switched = try switchBranch(at: special, of: branch, side: side)
                    try record(try continuation(switched, method), parent: parent)
                } catch {
                    progress?("continuation: switching at λ = \(special.parameter) (\(side)) failed: \(error)")
                }
            }
        }
    }
    return branches
}

public struct ContinuationStartError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
