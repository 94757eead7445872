import Dispatch
import EBMCore
import EBMLinearAlgebra
import EBMSolvers

/// Where the search looks for fixed points (DESIGN §1.8).
public enum FixedPointMethod: String, CaseIterable, Codable, Sendable {
    /// Newton from random starts and from the trajectory's end.
    case newton
    /// Newton on the deflated gradient from the same starts: new roots.
    case deflation
    /// Newton-homotopy path following from random starts.
    case homotopy
    /// Newton from passes near saddles of the trajectory (|∇L| minima).
    case plateau
}

/// The fixed-point problem: the stationary points of `dθ/dt = -∇L(θ)`.
/// The flow problem supplies the trajectory seeds; `startDistribution`
/// draws random starts (seeded per start).
public struct FixedPointProblem: Sendable {
    public let flow: GradientFlowProblem
    public let startDistribution: @Sendable (UInt64) throws -> [Double]

    public init(flow: GradientFlowProblem, startDistribution: @escaping @Sendable (UInt64) throws -> [Double]) {
        self.flow = flow
        self.startDistribution = startDistribution
    }

    public var objective: LearningObjective { flow.objective }
}

/// How to search: which methods, how many starts, tolerances, threads.
public struct FixedPointSearch: Sendable {
    public var methods: Set<FixedPointMethod>
    public var starts: Int
    public var seed: UInt64
    public var tolerances: ClassificationTolerances
    /// A Newton solution is a fixed point when `|∇L| <= gradientTolerance`.
    public var gradientTolerance: Double
    public var deflationPower: Double
    public var deflationShift: Double
    /// At most this many symmetry images of a root are deflated.
    public var imageLimit: Int
    /// Homotopy paths followed (the first `homotopyStarts` random starts).
    public var homotopyStarts: Int
    public var threads: Int
    public var flowMethod: GradientFlowMethod

    public init(methods: Set<FixedPointMethod> = Set(FixedPointMethod.allCases), starts: Int = 50, seed: UInt64 = 3,
                tolerances: ClassificationTolerances = ClassificationTolerances(), gradientTolerance: Double = 1e-10,
                deflationPower: Double = 2, deflationShift: Double = 1, imageLimit: Int = 384, homotopyStarts: Int = 5,
                threads: Int = 2, flowMethod: GradientFlowMethod = GradientFlowMethod()) {
        precondition(starts >= 0 && threads >= 1 && gradientTolerance > 0 && imageLimit >= 1)
        self.methods = methods
        self.starts = starts
        self.seed = seed
        self.tolerances = tolerances
        self.gradientTolerance = gradientTolerance
        self.deflationPower = deflationPower
        self.deflationShift = deflationShift
        self.imageLimit = imageLimit
        self.homotopyStarts = homotopyStarts
        self.threads = threads
        self.flowMethod = flowMethod
    }
}

/// A start that did not end at a fixed point, and why.
public struct FixedPointFailure: Sendable {
    public let method: String
    public let start: Int
    public let reason: String
}

/// The catalog and how it was obtained.
public struct FixedPointReport: Sendable {
    public var catalog: FixedPointCatalog
    public var failures: [FixedPointFailure]
    /// The trajectory's outcome: the end point (a fixed point or an escape).
    public var trajectoryStopReason: FlowStopReason
    public var escape: TrajectoryDiagnostics.Escape?
    public var newtonSolves: Int
}
