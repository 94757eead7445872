import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// How another process rebuilds the units of a long analysis: the
/// scenario text (each process resolves it itself: model, target, solver
/// settings) and the values the first process decided (the plane, the
/// grid, the Newton seed). Doubles travel as bit patterns, so every
/// process computes with the same numbers and the files are the bytes of a
/// single-process run.
public enum WorkTask: Codable, Sendable {
    /// Unit `j`: basin-map grid row `j` (`BasinRowUnits`).
    case basinRows(BasinRowsTask)
    /// Unit `k`: a Newton start of `fixed_points` (`NewtonStartUnits`).
    case newtonStarts(NewtonStartsTask)
    /// Unit `i`: a sweep member (`OrderConvergenceUnits`).
    case sweepMembers(SweepMembersTask)

    public func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }

    public static func decoded(_ bytes: [UInt8]) throws -> WorkTask {
        try JSONDecoder().decode(WorkTask.self, from: Data(bytes))
    }

    var recipe: WorkRecipe? { (try? encoded()).map(WorkRecipe.init(bytes:)) }

    /// Rebuilds the units once per process and returns the maker of
    /// per-thread workers whose results are the records' bytes.
    public func prepare() throws -> @Sendable () throws -> (Int) throws -> [UInt8] {
        switch self {
        case let .basinRows(task): return Self.byteWorkers(try task.units())
        case let .newtonStarts(task): return Self.byteWorkers(try task.units())
        case let .sweepMembers(task): return Self.byteWorkers(try task.units())
        }
    }

    static func byteWorkers<Kind: WorkUnitKind>(_ kind: Kind) -> @Sendable () throws -> (Int) throws -> [UInt8] {
        {
            let worker = try kind.makeWorker()
            return { unit in try WorkRecordCoding.encode(try worker(unit)) }
        }
    }
}

/// The scenario as the first process ran it (`--quick` applied on reading).
public struct ScenarioReference: Codable, Sendable {
    let text: String
    let baseDirectory: String?
    let quick: Bool

    init(_ scenario: Scenario, quick: Bool) {
        text = scenario.sourceText
        baseDirectory = scenario.baseDirectory
        self.quick = quick
    }

    /// As written, without `--quick`.
    func original() throws -> Scenario {
        try Scenario.parse(yaml: text, fileName: "<scenario from rank 0>", baseDirectory: baseDirectory)
    }

    func scenario() throws -> Scenario {
        let scenario = try original()
        return quick ? ScenarioRunner.quickened(scenario) : scenario
    }
}

public struct BasinRowsTask: Codable, Sendable {
    let scenario: ScenarioReference
    let plane: PlaneRecord
    let xs: [UInt64]
    let ys: [UInt64]
    let maximumTime: UInt64
    let tolerance: UInt64
    /// `t_limit` (absent: `t_max`).
    let limitTime: UInt64?
    let certify: Bool?
    /// The certificates known so far: the survey's, then those learned
    /// between blocks of rows (absent before the survey has run).
    let certificates: [AttractorCertificate]?
    let refine: Bool?
    /// The columns per refinement pass and row planned so far.
    let plan: [[[Int]]]?

    /// The units of a basin map, and how other processes rebuild them.
    static func units(resolved: ResolvedScenario, quick: Bool, plane: Plane, xs: [Double], ys: [Double], maximumTime: Double,
                      limitTime: Double, tolerance: Double, certify: Bool, refine: Bool, threads: Int) -> BasinRowUnits {
        let scenario = ScenarioReference(resolved.scenario, quick: quick), record = PlaneRecord(plane)
        return BasinRowUnits(objective: resolved.objective, method: resolved.method, plane: plane, xs: xs, ys: ys,
                             maximumTime: maximumTime, tolerance: tolerance, threads: threads, limitTime: limitTime,
                             certify: certify, refine: refine) { units in
            WorkTask.basinRows(BasinRowsTask(scenario: scenario, plane: record, xs: xs.map(\.bitPattern), ys: ys.map(\.bitPattern),
                                             maximumTime: maximumTime.bitPattern, tolerance: tolerance.bitPattern,
                                             limitTime: units.limitTime.bitPattern, certify: units.certify,
                                             certificates: units.certificates, refine: units.refine,
                                             plan: units.refine ? units.plan : nil)).recipe
        }
    }

    func units() throws -> BasinRowUnits {
        let resolved = try ResolvedScenario(try scenario.scenario())
        return BasinRowUnits(objective: resolved.objective, method: resolved.method, plane: plane.plane,
                             xs: xs.map(Double.init(bitPattern:)), ys: ys.map(Double.init(bitPattern:)),
                             maximumTime: Double(bitPattern: maximumTime), tolerance: Double(bitPattern: tolerance), threads: 1,
                             limitTime: limitTime.map(Double.init(bitPattern:)), certify: certify ?? false,
                             certificates: certificates, refine: refine ?? false, plan: plan)
    }
}

public struct NewtonStartsTask: Codable, Sendable {
    let scenario: ScenarioReference
    let seed: UInt64
    let starts: Int
    let gradientTolerance: UInt64
    /// `starts: {kind, scale}` (nil: like `init`) and the centre, bit-exact.
    let distribution: String?
    let scale: UInt64?
    let center: [UInt64]?

    /// The recipe of a fixed-point search's Newton starts.
    static func recipe(resolved: ResolvedScenario, quick: Bool, search: FixedPointSearch,
                       distribution: FixedPointsSpecification.StartDistribution?, center: [Double]?) -> WorkRecipe? {
        WorkTask.newtonStarts(NewtonStartsTask(scenario: ScenarioReference(resolved.scenario, quick: quick), seed: search.seed,
                                               starts: search.starts, gradientTolerance: search.gradientTolerance.bitPattern,
                                               distribution: distribution?.kind.rawValue, scale: distribution?.scale.bitPattern,
                                               center: center?.map(\.bitPattern))).recipe
    }

    func units() throws -> NewtonStartUnits {
        let resolved = try ResolvedScenario(try scenario.scenario())
        var distribution: FixedPointsSpecification.StartDistribution?
        if let kind = self.distribution.flatMap(FixedPointsSpecification.StartDistribution.Kind.init(rawValue:)), let scale {
            distribution = FixedPointsSpecification.StartDistribution(kind: kind, scale: Double(bitPattern: scale))
        }
        let problem = resolved.fixedPointProblem(starts: distribution, center: center?.map(Double.init(bitPattern:)))
        let starts = try (0..<self.starts).map { try problem.startDistribution(seed &+ UInt64($0)) }
        return NewtonStartUnits(objective: problem.objective, starts: starts, gradientTolerance: Double(bitPattern: gradientTolerance))
    }
}

public struct SweepMembersTask: Codable, Sendable {
    let scenario: ScenarioReference
    let seeds: Int?

    func units() throws -> OrderConvergenceUnits {
        let plan = try SweepRunner.plan(try scenario.original(), seeds: seeds, quick: scenario.quick)
        return try SweepRunner.units(plan)
    }
}

/// A plane, bit-exact.
struct PlaneRecord: Codable, Sendable {
    let center: [UInt64]
    let u: [UInt64]
    let v: [UInt64]
    let xName: String
    let yName: String

    init(_ plane: Plane) {
        center = plane.center.map(\.bitPattern)
        u = plane.u.map(\.bitPattern)
        v = plane.v.map(\.bitPattern)
        xName = plane.xName
        yName = plane.yName
    }

    var plane: Plane {
        Plane(exactCenter: center.map(Double.init(bitPattern:)), u: u.map(Double.init(bitPattern:)), v: v.map(Double.init(bitPattern:)),
              xName: xName, yName: yName)
    }
}
