import EBMCore
import EBMLinearAlgebra
import EBMSolvers
import Foundation

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
    /// A located special point of the branch (`SpecialPoint`, reduced to what
    /// the files show).
    public struct Special: Sendable {
        public let kind: SpecialPoint.Kind
        public let parameter: Double
        /// The free parameters.
        public let x: [Double]
        public let arclengthInterval: ClosedRange<Double>
    }
    public let id: Int
    /// The branch it was switched from (nil for a first branch).
    public let parent: Int?
    /// The start (work unit) it came from.
    public let start: Int
    public let points: [Point]
    public let specialPoints: [Special]
    /// `Branch.Status` (`reachedBound`, `maxPoints`, `stepTooSmall`, `failed`, …).
    public let status: String
    /// Why a `failed` branch ended.
    public let failure: String?
}

/// A fold or branch-point curve in the plane of two target parameters,
/// continued from a special point of `branch` (`specialCurve`).
public struct BifurcationCurve: Sendable {
    public struct Point: Sendable {
        public let first: Double
        public let second: Double
        /// All model parameters.
        public let parameters: [Double]
    }
    /// A codimension-two point: `cusp`, `edge`, `end` (`SpecialCurve.EventKind`)
    /// or `crossing` (this curve meets curve `other`).
    public struct Event: Sendable {
        public let kind: String
        public let curve: Int
        public let first: Double
        public let second: Double
        public let parameters: [Double]
        public let reason: String
        public let other: Int?
    }
    public let id: Int
    public let branch: Int
    public let kind: SpecialCurve.Kind
    public let points: [Point]
    public let events: [Event]
}

/// Everything a continuation run found.
public struct BifurcationDiagram: Sendable {
    public let branches: [BifurcationBranch]
    public let curves: [BifurcationCurve]
    /// Where two curves cross in the `(λ, μ)` plane (segment intersections
    /// of their polylines: accurate to the curves' chord error).
    public let crossings: [BifurcationCurve.Event]
    /// Starts whose Newton polish or first corrector failed, with the reason.
    public let startFailures: [(start: Int, reason: String)]
}

/// The second parameter of a two-parameter continuation.
public struct CurveSettings: Sendable {
    public let family: TwoParameterTargetFamily
    /// The value of the second parameter during the first parameter's
    /// continuation, where the curves start.
    public let from: Double
    public let to: Double

    public init(family: TwoParameterTargetFamily, from: Double, to: Double) {
        self.family = family
        self.from = from
        self.to = to
    }
}

/// Follows fixed points as the target parameter moves (docs/analyses.md,
/// Continuation). One work unit per start: Newton-polish it at `from`,
/// continue it by pseudo-arclength to `to` with fold, branch-point and
/// stability-change detection, switch branches at every branch point (both
/// sides, one level deep), and, with `curves`, follow every fold and branch
/// point found as a curve in the plane of both parameters. A unit depends
/// on nothing but its start, so the diagram is the same whatever the order
/// and whether it went through a checkpoint; a start whose polished point
/// repeats an earlier start's is dropped when the records are assembled.
/// The stop condition is polled between continuation steps and before
/// each point is classified; every `progressInterval` such polls of one
/// start, `progress` (when given) hears how far it has got.
public struct ContinuationStartUnits: StartUnits {
    public typealias Record = ContinuationRecord
    public static let analysis = "continuation"
    public static let unitNoun = "continuation starts"

    public let family: TargetFamily
    public let objective: LearningObjective
    public let starts: [[Double]]
    public let from: Double
    public let to: Double
    public let method: PseudoArclength
    public let tolerances: ClassificationTolerances
    public let curves: CurveSettings?
    public let stop: StopCondition
    public let progress: (@Sendable (String) -> Void)?
    public let progressInterval: Int

    public init(family: TargetFamily, objective: LearningObjective, starts: [[Double]], from: Double, to: Double,
                method: PseudoArclength, tolerances: ClassificationTolerances, curves: CurveSettings? = nil,
                stop: StopCondition = .never, progress: (@Sendable (String) -> Void)? = nil,
                progressInterval: Int = 20000) {
        self.family = family
        self.objective = objective
        self.starts = starts
        self.from = from
        self.to = to
        self.method = method
        self.tolerances = tolerances
        self.curves = curves
        self.stop = stop
        self.progress = progress
        self.progressInterval = max(1, progressInterval)
    }

    public func makeWorker() throws -> (Int) throws -> ContinuationRecord {
        let newton = try NewtonSolver(residualTolerance: 1e-11)
        let system: any ParameterizedSystem
        let objectiveAt: (Double) throws -> LearningObjective
        let twoParameters: LearningTwoParameterSystem?
        if let curves {
            let two = LearningTwoParameterSystem(family: curves.family, objective: objective)
            system = FirstParameterSlice(two, second: curves.from)
            objectiveAt = { try two.objective(first: $0, second: curves.from).objective }
            twoParameters = two
        } else {
            let one = LearningContinuationSystem(family: family, objective: objective)
            system = one
            objectiveAt = { try one.objective(at: $0) }
            twoParameters = nil
        }
        return { k in
            do {
                return try self.unit(k, newton: newton, system: system, objectiveAt: objectiveAt, twoParameters: twoParameters)
            } catch let error as ContinuationError where error == .stopped {
                throw Self.interrupted(after: 0, of: self.count)
            }
        }
    }

    private func unit(_ k: Int, newton: NewtonSolver, system: any ParameterizedSystem,
                      objectiveAt: (Double) throws -> LearningObjective,
                      twoParameters: LearningTwoParameterSystem?) throws -> ContinuationRecord {
        var record = ContinuationRecord()
        // Polled once per continuation step and per classified point: also
        // the one place that sees a long branch advance.
        var polls = 0
        let shouldStop = { () -> Bool in
            polls += 1
            if polls % self.progressInterval == 0 {
                self.progress?("continuation: start \(k): \(polls) points followed or classified")
            }
            return self.stop.isRequested
        }
        let polished: [Double]
        do {
            let result = try newton.solve(GradientSystem(objective: try objectiveAt(from)), from: starts[k])
            guard result.isConverged else {
                record.failure = "Newton from start \(k) did not converge at λ = \(from): \(result.status)"
                return record
            }
            polished = result.solution
        } catch {
            record.failure = "Newton from start \(k) failed at λ = \(from): \(error)"
            return record
        }
        record.start = polished.map(\.bitPattern)
        let range = min(from, to)...max(from, to)
        let main: Branch
        do {
            let problem = try ContinuationProblem(system: system, start: polished, parameter: from, parameterRange: range,
                                                  direction: to > from ? .increasing : .decreasing)
            main = try continuation(problem, method, shouldStop: shouldStop)
        } catch let error as ContinuationError where error == .stopped {
            throw error
        } catch {
            record.failure = "start \(k): \(error)"
            return record
        }
        var followed: [(branch: Branch, local: Int)] = []
        func keep(_ branch: Branch, parent: Int?) throws {
            record.branches.append(try ContinuationRecord.BranchRecord(branch, parent: parent, objectiveAt: objectiveAt,
                                                                      tolerances: tolerances, shouldStop: shouldStop))
            followed.append((branch, record.branches.count - 1))
        }
        try keep(main, parent: nil)
        for special in main.specialPoints(.branchPoint) {
            for side in BranchSide.allCases {
                do {
                    let switched = try switchBranch(at: special, of: main, side: side)
                    try keep(try continuation(switched, method, shouldStop: shouldStop), parent: 0)
                } catch let error as ContinuationError where error == .stopped {
                    throw error
                } catch {
                    record.messages.append("switching at λ = \(special.parameter) (\(side)) failed: \(error)")
                }
            }
        }
        guard let curves, let two = twoParameters else { return record }
        let secondRange = min(curves.from, curves.to)...max(curves.from, curves.to)
        var seen: [(SpecialPoint.Kind, Double, Double)] = []
        for (branch, local) in followed {
            for special in branch.specialPoints where special.kind == .fold || special.kind == .branchPoint {
                // Symmetric images of a special point (θ and its flip) lie on
                // one curve of the plane: follow it once.
                let norm = Vector.norm(special.x)
                if seen.contains(where: { $0.0 == special.kind && abs($0.1 - special.parameter) < 1e-6 && abs($0.2 - norm) < 1e-6 }) {
                    continue
                }
                seen.append((special.kind, special.parameter, norm))
                let curve = try specialCurve(through: special, of: two, at: curves.from, firstRange: range,
                                             secondRange: secondRange, method: method, shouldStop: shouldStop)
                record.curves.append(ContinuationRecord.CurveRecord(curve, branch: local, objective: objective))
            }
        }
        return record
    }
}

/// One start's branches and curves, every double as its bit pattern.
public struct ContinuationRecord: Codable, Sendable {
    struct PointRecord: Codable, Sendable {
        let lambda: UInt64
        let parameters: [UInt64]
        let loss: UInt64
        let index: Int
        let neutral: Int
        let kind: String
    }
    struct SpecialRecord: Codable, Sendable {
        let kind: String
        let lambda: UInt64
        let x: [UInt64]
        let arclength: [UInt64]
    }
    struct BranchRecord: Codable, Sendable {
        let parent: Int?
        let points: [PointRecord]
        let specials: [SpecialRecord]
        let status: String
        let failure: String?

        enum CodingKeys: String, CodingKey { case parent, points, specials, status, failure }

        // The points go into the checkpoint as packed words (`PackedPoints`);
        // a checkpoint that holds them as a JSON array (written before) is read too.
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            parent = try c.decodeIfPresent(Int.self, forKey: .parent)
            if let listed = try? c.decode([PointRecord].self, forKey: .points) {
                points = listed
            } else {
                points = try c.decode(PackedPoints.self, forKey: .points).points()
            }
            specials = try c.decode([SpecialRecord].self, forKey: .specials)
            status = try c.decode(String.self, forKey: .status)
            failure = try c.decodeIfPresent(String.self, forKey: .failure)
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(parent, forKey: .parent)
            if let packed = PackedPoints(points) {
                try c.encode(packed, forKey: .points)
            } else {
                try c.encode(points, forKey: .points)
            }
            try c.encode(specials, forKey: .specials)
            try c.encode(status, forKey: .status)
            try c.encodeIfPresent(failure, forKey: .failure)
        }

        /// `shouldStop` is polled before each point's classification (a
        /// Hessian's eigenvalues; thousands on a finely stepped branch).
        init(_ branch: Branch, parent: Int?, objectiveAt: (Double) throws -> LearningObjective,
             tolerances: ClassificationTolerances, shouldStop: () -> Bool = { false }) throws {
            self.parent = parent
            points = try branch.points.map { point in
                if shouldStop() { throw ContinuationError.stopped }
                let classified = try FixedPoint.classify(point.x, objective: try objectiveAt(point.parameter),
                                                         tolerances: tolerances, foundBy: "continuation")
                return PointRecord(lambda: point.parameter.bitPattern, parameters: classified.parameters.map(\.bitPattern),
                                   loss: classified.loss.bitPattern, index: classified.unstable, neutral: classified.neutral,
                                   kind: classified.kind.rawValue)
            }
            specials = branch.specialPoints.map {
                SpecialRecord(kind: $0.kind.rawValue, lambda: $0.parameter.bitPattern, x: $0.x.map(\.bitPattern),
                              arclength: [$0.arclengthInterval.lowerBound.bitPattern, $0.arclengthInterval.upperBound.bitPattern])
            }
            status = branch.status.rawValue
            failure = branch.failure
        }
    }
    struct CurvePointRecord: Codable, Sendable {
        let first: UInt64
        let second: UInt64
        let parameters: [UInt64]
    }
    struct EventRecord: Codable, Sendable {
        let kind: String
        let first: UInt64
        let second: UInt64
        let parameters: [UInt64]
        let reason: String
    }
    struct CurveRecord: Codable, Sendable {
        let branch: Int
        let kind: String
        let points: [CurvePointRecord]
        let events: [EventRecord]

        enum CodingKeys: String, CodingKey { case branch, kind, points, events }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            branch = try c.decode(Int.self, forKey: .branch)
            kind = try c.decode(String.self, forKey: .kind)
            if let listed = try? c.decode([CurvePointRecord].self, forKey: .points) {
                points = listed
            } else {
                points = try c.decode(PackedWords.self, forKey: .points).rows().map { row in
                    guard row.count >= 2 else {
                        throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "packed curve point without its two parameters"))
                    }
                    return CurvePointRecord(first: row[0], second: row[1], parameters: Array(row[2...]))
                }
            }
            events = try c.decode([EventRecord].self, forKey: .events)
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(branch, forKey: .branch)
            try c.encode(kind, forKey: .kind)
            if let packed = PackedWords(points.map { [$0.first, $0.second] + $0.parameters }) {
                try c.encode(packed, forKey: .points)
            } else {
                try c.encode(points, forKey: .points)
            }
            try c.encode(events, forKey: .events)
        }

        init(_ curve: SpecialCurve, branch: Int, objective: LearningObjective) {
            self.branch = branch
            kind = curve.kind.rawValue
            points = curve.points.map {
                CurvePointRecord(first: $0.first.bitPattern, second: $0.second.bitPattern,
                                 parameters: objective.fullParameters($0.x).map(\.bitPattern))
            }
            events = curve.events.map {
                EventRecord(kind: $0.kind.rawValue, first: $0.first.bitPattern, second: $0.second.bitPattern,
                            parameters: objective.fullParameters($0.x).map(\.bitPattern), reason: $0.reason)
            }
        }
    }

    /// The polished start (nil when it failed).
    var start: [UInt64]?
    var failure: String?
    var branches: [BranchRecord] = []
    var curves: [CurveRecord] = []
    /// Branch switchings that failed.
    var messages: [String] = []

    init() {}
}

private func doubles(_ bits: [UInt64]) -> [Double] { bits.map(Double.init(bitPattern:)) }

extension BifurcationDiagram {
    /// Assembles the records of every start, in start order: branch and
    /// curve ids count up across starts; a start whose polished point is
    /// within 1e-8 of an earlier one's is left out. `progress` hears one
    /// line per branch and per failure.
    public init(records: [Int: ContinuationRecord], starts: Int, objective: LearningObjective,
                progress: ((String) -> Void)? = nil) {
        var branches: [BifurcationBranch] = []
        var curves: [BifurcationCurve] = []
        var failures: [(Int, String)] = []
        var polished: [[Double]] = []
        for k in 0..<starts {
            guard let record = records[k] else { continue }
            guard let startBits = record.start else {
                let reason = record.failure ?? "no record"
                failures.append((k, reason))
                progress?("continuation: \(reason)")
                continue
            }
            let start = doubles(startBits)
            if polished.contains(where: { Vector.norm(Vector.difference($0, start)) < 1e-8 }) { continue }
            polished.append(start)
            if let failure = record.failure {
                failures.append((k, failure))
                progress?("continuation: \(failure)")
            }
            let offset = branches.count
            for b in record.branches {
                let points = b.points.map {
                    BifurcationBranch.Point(lambda: Double(bitPattern: $0.lambda), parameters: doubles($0.parameters),
                                            loss: Double(bitPattern: $0.loss), index: $0.index, neutral: $0.neutral,
                                            kind: FixedPointKind(rawValue: $0.kind) ?? .spurious)
                }
                let specials = b.specials.map {
                    BifurcationBranch.Special(kind: SpecialPoint.Kind(rawValue: $0.kind) ?? .boundary,
                                              parameter: Double(bitPattern: $0.lambda), x: doubles($0.x),
                                              arclengthInterval: Double(bitPattern: $0.arclength[0])...Double(bitPattern: $0.arclength[1]))
                }
                let branch = BifurcationBranch(id: branches.count, parent: b.parent.map { $0 + offset }, start: k, points: points,
                                               specialPoints: specials, status: b.status, failure: b.failure)
                branches.append(branch)
                let counted = specials.filter { $0.kind != .boundary }.count
                progress?("continuation: branch \(branch.id): \(points.count) points, \(counted) special points (\(b.status)"
                          + (b.failure.map { ": \($0)" } ?? "") + ")")
            }
            for message in record.messages { progress?("continuation: \(message)") }
            for c in record.curves {
                let id = curves.count
                let points = c.points.map {
                    BifurcationCurve.Point(first: Double(bitPattern: $0.first), second: Double(bitPattern: $0.second),
                                           parameters: doubles($0.parameters))
                }
                let events = c.events.map {
                    BifurcationCurve.Event(kind: $0.kind, curve: id, first: Double(bitPattern: $0.first),
                                           second: Double(bitPattern: $0.second), parameters: doubles($0.parameters),
                                           reason: $0.reason, other: nil)
                }
                let kind = SpecialCurve.Kind(rawValue: c.kind) ?? .fold
                curves.append(BifurcationCurve(id: id, branch: c.branch + offset, kind: kind, points: points, events: events))
                progress?("continuation: curve \(id) (\(kind.rawValue), from branch \(c.branch + offset)): \(points.count) points")
            }
        }
        self.branches = branches
        self.curves = curves
        self.crossings = Self.crossings(curves)
        self.startFailures = failures
    }

    /// Proper intersections of the curves' polylines in the `(λ, μ)` plane,
    /// located by linear interpolation on the two segments.
    static func crossings(_ curves: [BifurcationCurve]) -> [BifurcationCurve.Event] {
        var found: [BifurcationCurve.Event] = []
        for i in curves.indices {
            for j in curves.indices where j > i {
                let a = curves[i].points, b = curves[j].points
                guard a.count >= 2, b.count >= 2 else { continue }
                for p in 1..<a.count {
                    for q in 1..<b.count {
                        let (p0, p1, q0, q1) = (a[p - 1], a[p], b[q - 1], b[q])
                        let rx = p1.first - p0.first, ry = p1.second - p0.second
                        let sx = q1.first - q0.first, sy = q1.second - q0.second
                        let denominator = rx * sy - ry * sx
                        guard denominator != 0 else { continue }
                        let dx = q0.first - p0.first, dy = q0.second - p0.second
                        let t = (dx * sy - dy * sx) / denominator
                        let u = (dx * ry - dy * rx) / denominator
                        guard t > 0, t <= 1, u > 0, u <= 1 else { continue }
                        let theta = zip(p0.parameters, p1.parameters).map { $0 + t * ($1 - $0) }
                        found.append(BifurcationCurve.Event(kind: "crossing", curve: i, first: p0.first + t * rx,
                                                            second: p0.second + t * ry, parameters: theta,
                                                            reason: "meets curve \(j)", other: j))
                    }
                }
            }
        }
        return found
    }
}

/// Runs every start that `completed` lacks on `scheduler` (each new record
/// goes to `onStart`, for a checkpoint) and assembles the diagram.
/// - Throws: `AnalysisInterrupted` when the units' stop condition asks for
///   it (polled between continuation steps); a unit's own error.
public func bifurcationDiagram(_ units: ContinuationStartUnits, scheduler: any WorkScheduler = LocalScheduler(threads: 1),
                               completed: [Int: ContinuationRecord] = [:],
                               onStart: (Int, ContinuationRecord) -> Void = { _, _ in },
                               progress: ((String) -> Void)? = nil) throws -> BifurcationDiagram {
    let records = try scheduler.records(units, completed: completed, stop: units.stop) { k, record in onStart(k, record) }
    return BifurcationDiagram(records: records, starts: units.count, objective: units.objective, progress: progress)
}
