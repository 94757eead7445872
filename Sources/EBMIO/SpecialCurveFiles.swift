import EBMAnalysis
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// `special_curves.dat` (docs/output-files.md): the fold and branch-point
/// curves of a two-parameter continuation, one data set per curve, then
/// one data set of their codimension-two points.
public enum SpecialCurveFiles {
    /// `stop` is polled every `BifurcationFiles.stopInterval` points.
    public static func curves(_ diagram: BifurcationDiagram, model: any EnergyModel, first: String, second: String,
                              scenario: String, stop: StopCondition = .never) throws -> DataFile {
        let names = model.parameterNames
        let wide = names.count <= TrajectoryFiles.parameterColumnLimit
        var file = DataFile(scenario: scenario, columns: ["curve", "type", first, second, "theta_norm"] + (wide ? names : []),
                            constants: [("first_parameter", first), ("second_parameter", second),
                                        ("curves", "\(diagram.curves.count)")])
        file.comment("data sets 0 .. curves-1 (gnuplot index): one curve each, type fold or branch-point; "
                     + "the last data set: where curves end or meet, type cusp, edge, end or crossing")
        file.comment("curve origins: " + diagram.curves.map { "\($0.id)<-branch \($0.branch)" }.joined(separator: " "))
        let events = diagram.curves.flatMap(\.events) + diagram.crossings
        for event in events where !event.reason.isEmpty {
            file.comment("curve \(event.curve) \(event.kind) at (\(DataFile.format(event.first)), \(DataFile.format(event.second))): \(event.reason)")
        }
        var formatted = 0
        for curve in diagram.curves {
            let type = curve.kind == .fold ? "fold" : "branch-point"
            for point in curve.points {
                formatted += 1
                if formatted % BifurcationFiles.stopInterval == 0 { try stop.check("continuation") }
                var cells = [String(curve.id), type, DataFile.format(point.first), DataFile.format(point.second),
                             DataFile.format(Vector.norm(point.parameters))]
                if wide { cells += point.parameters.map(DataFile.format) }
                file.append(cells: cells)
            }
            file.endDataSet()
        }
        for event in events {
            var cells = [String(event.curve), event.kind, DataFile.format(event.first), DataFile.format(event.second),
                         DataFile.format(Vector.norm(event.parameters))]
            if wide { cells += event.parameters.map(DataFile.format) }
            file.append(cells: cells)
        }
        return file
    }
}

/// The `continuation` section of `summary.json`: how every branch and
/// curve ended, and the starts that failed.
public struct ContinuationSummary: Codable {
    public struct BranchEnd: Codable {
        public var branch: Int
        public var start: Int
        public var points: Int
        public var status: String
        public var failure: String?
    }
    public struct CurveEnd: Codable {
        public var curve: Int
        public var type: String
        public var points: Int
        public var ends: [String]
    }
    public struct StartFailure: Codable {
        public var start: Int
        public var reason: String
    }
    public var parameter: String
    public var curveParameter: String?
    public var branches: [BranchEnd]
    public var curves: [CurveEnd]?
    public var failedStarts: [StartFailure]

    enum CodingKeys: String, CodingKey {
        case parameter, curveParameter = "curve_parameter", branches, curves, failedStarts = "failed_starts"
    }

    public init(_ diagram: BifurcationDiagram, parameter: String, curveParameter: String?) {
        self.parameter = parameter
        self.curveParameter = curveParameter
        branches = diagram.branches.map {
            BranchEnd(branch: $0.id, start: $0.start, points: $0.points.count, status: $0.status, failure: $0.failure)
        }
        curves = curveParameter == nil ? nil : diagram.curves.map { curve in
            CurveEnd(curve: curve.id, type: curve.kind == .fold ? "fold" : "branch-point", points: curve.points.count,
                     ends: curve.events.filter { $0.kind != "cusp" }.map { "\($0.kind): \($0.reason)" })
        }
        failedStarts = diagram.startFailures.map { StartFailure(start: $0.start, reason: $0.reason) }
    }
}
