#if canImport(Glibc)
import Glibc
#endif
import EBMAnalysis
import EBMCore
import EBMSolvers
import Foundation

/// Times the integration of a scenario's flow from `θ(0)` to `t_end`, with
/// no sampling and no outputs: what `bench/` compares with other solvers.
/// Each repeat builds the flow anew (workspace, CVODE memory) and
/// integrates; the wall time of each is kept.
public struct FlowTiming: Codable {
    public var scenario: String
    public var model: String
    public var parameters: Int
    public var freeParameters: Int
    public var linearSolver: String
    public var preconditioner: Bool
    public var threads: Int
    public var rtol: Double
    public var atol: Double
    public var tEnd: Double
    /// Seconds of each repeat (construction and integration).
    public var wallSeconds: [Double]
    /// Best and median of `wallSeconds` (nil when nothing was integrated).
    public var bestSeconds: Double?
    public var medianSeconds: Double?
    /// Seconds per right-hand side at θ(0) (best of `rhsCalls` calls), when asked.
    public var rhsSeconds: Double?
    /// Seconds per Jacobian-vector product at θ(0), when asked.
    public var jacobianVectorSeconds: Double?
    public var stopTime: Double
    public var stopReason: String
    public var finalKL: Double
    /// CVODE's counters of the last repeat (nil when nothing was integrated).
    public var statistics: SolverStatistics?
    /// The process's peak resident set (`getrusage`), bytes.
    public var peakResidentBytes: Int

    enum CodingKeys: String, CodingKey {
        case scenario, model, parameters, freeParameters = "free_parameters", linearSolver = "linear_solver"
        case preconditioner, threads, rtol, atol, tEnd = "t_end", wallSeconds = "wall_seconds"
        case bestSeconds = "best_seconds", medianSeconds = "median_seconds", rhsSeconds = "rhs_seconds"
        case jacobianVectorSeconds = "jv_seconds", stopTime = "stop_time", stopReason = "stop_reason"
        case finalKL = "final_KL", statistics, peakResidentBytes = "peak_rss_bytes"
    }

    /// Monotonic seconds.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Integrates `repeats` times (at least 1) and returns the timing and
    /// the free parameters at the stop time. With `rhsCalls > 0`, first times
    /// that many right-hand sides and J·v products at θ(0).
    public static func measure(_ resolved: ResolvedScenario, method: GradientFlowMethod, repeats: Int,
                               rhsCalls: Int = 0, integrate: Bool = true) throws -> (FlowTiming, [Double]) {
        let problem = resolved.flowProblem
        var rhsSeconds: Double?, jvSeconds: Double?
        if rhsCalls > 0 {
            let system = GradientFlowSystem(objective: problem.objective, parallelism: method.parallelism,
                                            preconditioner: method.preconditioner)
            let n = problem.objective.dimension
            var derivative = [Double](repeating: 0, count: n), product = derivative
            let direction = (0..<n).map { Double(($0 * 7919) % 13) / 13 - 0.5 }
            var best = Double.infinity, bestProduct = Double.infinity
            try problem.initialParameters.withUnsafeBufferPointer { y in
                try derivative.withUnsafeMutableBufferPointer { f in
                    for _ in 0..<rhsCalls {
                        let start = now()
                        try system.evaluateRightHandSide(time: 0, state: y, derivative: f)
                        best = min(best, now() - start)
                    }
                    try direction.withUnsafeBufferPointer { v in
                        try product.withUnsafeMutableBufferPointer { jv in
                            for _ in 0..<rhsCalls {
                                let start = now()
                                try system.evaluateJacobianVectorProduct(time: 0, state: y, rightHandSide: UnsafeBufferPointer(f),
                                                                         vector: v, product: jv)
                                bestProduct = min(bestProduct, now() - start)
                            }
                        }
                    }
                }
            }
            rhsSeconds = best
            jvSeconds = bestProduct
        }
        var seconds: [Double] = []
        var final: (flow: GradientFlow, reason: FlowStopReason)?
        for _ in 0..<(integrate ? max(1, repeats) : 0) {
            let start = now()
            let flow = try GradientFlow(problem: problem, method: method)
            let reason = try flow.integrate()
            seconds.append(now() - start)
            final = (flow, reason)
        }
        let sorted = seconds.sorted()
        let state = final?.flow.state ?? problem.initialParameters
        let statistics = final?.flow.statistics
        let timing = FlowTiming(
            scenario: resolved.scenario.name, model: resolved.model.description, parameters: resolved.model.parameterCount,
            freeParameters: problem.objective.dimension,
            linearSolver: method.linearSolver.resolved(dimension: problem.objective.dimension).name,
            preconditioner: final?.flow.system.usesPreconditioner ?? false, threads: method.parallelism.threads,
            rtol: method.relativeTolerance, atol: method.absoluteTolerance, tEnd: problem.endTime,
            wallSeconds: seconds, bestSeconds: sorted.first,
            medianSeconds: sorted.isEmpty ? nil : sorted[sorted.count / 2],
            rhsSeconds: rhsSeconds, jacobianVectorSeconds: jvSeconds,
            stopTime: final?.flow.time ?? 0, stopReason: final?.reason.rawValue ?? "none",
            finalKL: problem.objective.evaluate(state).loss,
            statistics: statistics, peakResidentBytes: peakResidentBytes)
        return (timing, state)
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
