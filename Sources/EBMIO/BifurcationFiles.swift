import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// `bifurcation.dat` and `bifurcation_points.dat` (docs/output-files.md).
public enum BifurcationFiles {
    /// `stop` is polled every `stopInterval` points (a long continuation's
    /// file takes seconds to format).
    public static func branches(_ branches: [BifurcationBranch], model: any EnergyModel, parameter: String, scenario: String,
                                stop: StopCondition = .never) throws -> DataFile {
        let names = model.parameterNames
        let wide = names.count <= TrajectoryFiles.parameterColumnLimit
        var file = DataFile(scenario: scenario, columns: ["branch", "lambda", "KL", "theta_norm", "index", "n_neutral", "kind"] + (wide ? names : []),
                            constants: [("parameter", parameter), ("branches", "\(branches.count)")])
        file.comment("one data set (gnuplot index) per branch; index = number of unstable directions (Hessian eigenvalues < -eigen_tol)")
        file.comment("branch parents: " + branches.map { "\($0.id)<-\($0.parent.map(String.init) ?? "start")" }.joined(separator: " "))
        // A branch that did not reach an end of the range says why.
        for branch in branches where branch.status != "reachedBound" {
            file.comment("branch \(branch.id) ended early: \(branch.status)" + (branch.failure.map { ": \($0)" } ?? ""))
        }
        var formatted = 0
        for branch in branches {
            for point in branch.points {
                formatted += 1
                if formatted % stopInterval == 0 { try stop.check("continuation") }
                var cells = [String(branch.id), DataFile.format(point.lambda), DataFile.format(point.loss),
                             DataFile.format(Vector.norm(point.parameters)), String(point.index), String(point.neutral), point.kind.rawValue]
                if wide { cells += point.parameters.map(DataFile.format) }
                file.append(cells: cells)
            }
            file.endDataSet()
        }
        return file
    }

    public static func specialPoints(_ branches: [BifurcationBranch], objective: LearningObjective, parameter: String,
                                     scenario: String) -> DataFile {
        let names = objective.model.parameterNames
        let wide = names.count <= TrajectoryFiles.parameterColumnLimit
        var file = DataFile(scenario: scenario, columns: ["branch", "type", "lambda", "theta_norm", "arclength_lo", "arclength_hi"] + (wide ? names : []),
                            constants: [("parameter", parameter)])
        file.comment("type: fold (dlambda/ds changes sign), branch-point (det or an eigenvalue of the Hessian crosses 0 with dlambda/ds != 0), stability-change, boundary")
        for branch in branches {
            for special in branch.specialPoints where special.kind != .boundary {
                let theta = objective.fullParameters(special.x)
                var cells = [String(branch.id), name(special.kind), DataFile.format(special.parameter), DataFile.format(Vector.norm(theta)),
                             DataFile.format(special.arclengthInterval.lowerBound), DataFile.format(special.arclengthInterval.upperBound)]
                if wide { cells += theta.map(DataFile.format) }
                file.append(cells: cells)
            }
        }
        return file
    }

    /// Points formatted between two polls of the stop condition.
    static let stopInterval = 4096

    static func name(_ kind: SpecialPoint.Kind) -> String {
        switch kind {
        case .fold: return "fold"
        case .branchPoint: return "branch-point"
        case .stabilityChange: return "stability-change"
        case .boundary: return "boundary"
        }
    }
}
