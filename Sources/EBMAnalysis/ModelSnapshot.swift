import EBMCore

/// The model's distribution at one point, through a workspace's all-states
/// pass (the kernels the flow's right-hand side runs): what the trajectory
/// samples and the orders analysis measure. One computation for both, so a
/// sample at a point and a reference taken at the same point agree to the
/// last bit.
struct ModelSnapshot {
    /// `log p_θ(x)` over all states.
    let logProbabilities: [Double]
    /// Effective couplings `J_a`, `a ≠ 0`, canonical interaction order.
    let couplings: [Double]
    /// Moments `m_a(p_θ)`, `a ≠ 0`, canonical interaction order.
    let moments: [Double]

    /// At the free parameters `free`; leaves `workspace` evaluated there.
    init(free: [Double], workspace: ObjectiveWorkspace) {
        free.withUnsafeBufferPointer { workspace.ensureEvaluated(at: $0) }
        let logZ = workspace.logPartition
        logProbabilities = workspace.energyValues.map { -$0 - logZ }
        couplings = Walsh.canonicalOrder(Distribution.couplings(logProbabilities: logProbabilities))
        moments = Walsh.canonicalOrder(Distribution.moments(workspace.probabilityValues))
    }
}
