import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// Runs the phases of a fixed-point enumeration: each phase is a kind of
/// work units, computed by a scheduler and (in a run) checkpointed under
/// its own name, so an interrupted enumeration resumes phase by phase.
public protocol FixedPointPhases {
    /// Every unit of `kind`, by unit index; `phase` names it (`newton`,
    /// `flows`, `lifts`, `deflation`, `homotopy`, `narrow-flows-h2`).
    func records<Kind: WorkUnitKind>(_ kind: Kind, phase: String) throws -> [Int: Kind.Record]
    /// Where units run, for progress lines (`2 threads`, `3 ranks x 1 thread`).
    var layout: String { get }
}

/// Phases on a scheduler, without checkpoints.
public struct ScheduledPhases: FixedPointPhases {
    public let scheduler: WorkScheduler
    public let stop: StopCondition

    public init(scheduler: WorkScheduler, stop: StopCondition = .never) {
        self.scheduler = scheduler
        self.stop = stop
    }

    public func records<Kind: WorkUnitKind>(_ kind: Kind, phase: String) throws -> [Int: Kind.Record] {
        try scheduler.records(kind, stop: stop)
    }

    public var layout: String { scheduler.layout }
}

/// Flows as seeds of Newton: unit `i` integrates `dθ/dt = -∇L` from
/// `starts[i]` to `endTime` (sampled logarithmically), and polishes by
/// Newton every plateau (a local minimum of `|∇L|` along it: a pass near a
/// saddle) and the end point.
struct FlowSeedUnits: StartUnits {
    typealias Record = FlowSeedRecord
    static let analysis = "fixed_points-flows"
    static let unitNoun = "flows"

    let objective: LearningObjective
    let method: GradientFlowMethod
    let starts: [[Double]]
    let endTime: Double
    let gradientTolerance: Double
    let newtonTolerance: Double

    func makeWorker() throws -> (Int) throws -> FlowSeedRecord {
        let newton = try NewtonSolver(residualTolerance: newtonTolerance)
        let system = GradientSystem(objective: objective)
        return { i in
            let problem = GradientFlowProblem(objective: objective, initialParameters: objective.fullParameters(starts[i]),
                                              endTime: endTime, gradientTolerance: gradientTolerance)
            let trajectory: Trajectory
            do {
                let flow = try GradientFlow(problem: problem, method: method)
                trajectory = try flow.sampledTrajectory(TrajectorySampling(count: 200, spacing: .logarithmic(firstTime: min(1e-3, endTime / 10))))
            } catch {
                return FlowSeedRecord(seeds: [], times: [], failure: "\(error)")
            }
            let plateaus = TrajectoryDiagnostics.plateaus(trajectory)
            let points = plateaus.map { objective.freeParameters($0.parameters) } + [trajectory.finalFreeParameters]
            let seeds = points.map { point in
                do { return NewtonRecord(.solved(try newton.solve(system, from: point))) }
                catch { return NewtonRecord(.failed("\(error)")) }
            }
            let passages = seeds.enumerated().map { k, seed in
                FlowPassage(trajectory, seedSample: k < plateaus.count ? plateaus[k].time : nil, seed: seed, objective: objective)
            }
            return FlowSeedRecord(seeds: seeds, times: (plateaus.map(\.time) + [trajectory.stopTime]).map(\.bitPattern),
                                  failure: nil, passages: passages)
        }
    }
}

/// One flow's Newton seeds: one per plateau in time order, then the end.
struct FlowSeedRecord: Codable, Sendable {
    let seeds: [NewtonRecord]
    /// When the flow was at each seed (bit patterns).
    let times: [UInt64]
    let failure: String?
    /// How near the flow came to each seed's Newton solution (`FlowPassage`);
    /// nil in records written before it was kept.
    let passages: [FlowPassage]?

    var seedTimes: [Double] { times.map(Double.init(bitPattern:)) }

    init(seeds: [NewtonRecord], times: [UInt64], failure: String?, passages: [FlowPassage]? = nil) {
        self.seeds = seeds
        self.times = times
        self.failure = failure
        self.passages = passages
    }
}

/// Deflation in the quotient by the model's symmetries: unit `k` runs
/// deflated Newton from `starts[k]` with `knownRoots` deflated (their whole
/// orbits, through canonical forms), and returns the new roots it finds.
struct DeflationUnits: StartUnits {
    typealias Record = RootsRecord
    static let analysis = "fixed_points-deflation"
    static let unitNoun = "deflation starts"

    let objective: LearningObjective
    let starts: [[Double]]
    let knownRoots: [[Double]]
    let deflation: Deflation
    let rootsPerStart: Int
    let gradientTolerance: Double
    let stop: StopCondition

    func makeWorker() throws -> (Int) throws -> RootsRecord {
        let newton = try NewtonSolver(residualTolerance: gradientTolerance)
        let system = GradientSystem(objective: objective)
        let representative = canonicalRepresentative(objective)
        return { k in
            do {
                let roots = try deflation.findRoots(system, from: starts[k], knownRoots: knownRoots, representative: representative,
                                                    maxRoots: rootsPerStart, newton: newton) { stop.isRequested }
                return RootsRecord(roots: roots.map { NewtonRecord(.solved($0)) }, failure: nil)
            } catch is DeflationStopped {
                throw Self.interrupted(after: 0, of: starts.count)
            } catch {
                return RootsRecord(roots: [], failure: "\(error)")
            }
        }
    }
}

/// Newton-homotopy paths: unit `k` follows `∇L(θ) - (1 - λ) ∇L(θ_k) = 0`
/// from `starts[k]` and polishes the roots it crosses.
struct HomotopyUnits: StartUnits {
    typealias Record = RootsRecord
    static let analysis = "fixed_points-homotopy"
    static let unitNoun = "homotopy paths"

    let objective: LearningObjective
    let starts: [[Double]]
    let gradientTolerance: Double

    func makeWorker() throws -> (Int) throws -> RootsRecord {
        let newton = try NewtonSolver(residualTolerance: gradientTolerance)
        let system = GradientSystem(objective: objective)
        let method = try PseudoArclength(step: try StepControl(initial: 0.05, minimum: 1e-8, maximum: 0.5), maxPoints: 5000)
        return { k in
            do {
                let result = try homotopyRoots(system, from: starts[k], method: method, pathLengthLimit: 200,
                                               refinementTolerance: gradientTolerance)
                return RootsRecord(roots: try result.roots.map { NewtonRecord(.solved(try newton.solve(system, from: $0))) },
                                   failure: nil)
            } catch {
                return RootsRecord(roots: [], failure: "\(error)")
            }
        }
    }
}

/// The roots one deflation start or homotopy path found, or why it failed.
struct RootsRecord: Codable, Sendable {
    let roots: [NewtonRecord]
    let failure: String?
}

/// θ ↦ the free parameters of the canonical form of θ under the model's
/// symmetries (frozen parameters kept: an image that moves them is not a
/// point of this flow, and canonicalisation then leaves θ as it is).
func canonicalRepresentative(_ objective: LearningObjective) -> @Sendable ([Double]) -> [Double] {
    { free in
        let full = objective.fullParameters(free)
        let canonical = objective.model.canonicalized(full)
        let frozen = Set(0..<objective.model.parameterCount).subtracting(objective.freeIndices)
        guard frozen.allSatisfy({ canonical[$0] == full[$0] }) else { return free }
        return objective.freeParameters(canonical)
    }
}
