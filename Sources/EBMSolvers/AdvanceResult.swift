/// How an advance of the integrator ended (CVODE's non-negative return flags).
public enum AdvanceResult: Equatable, Sendable {
    /// The requested output time was reached (`CV_SUCCESS`); in one-step mode,
    /// the time of the step just taken.
    case reached(Double)
    /// A root function vanished first (`CV_ROOT_RETURN`). `directions[i]` is
    /// +1 if g_i rose through zero, -1 if it fell, 0 if g_i has no root here
    /// (`CVodeGetRootInfo`).
    case root(Double, directions: [Int32])
    /// The stop time set with `setStopTime(_:)` was reached (`CV_TSTOP_RETURN`).
    case stopTime(Double)

    /// The time the integrator stopped at, whatever the reason.
    public var time: Double {
        switch self {
        case .reached(let t), .root(let t, _), .stopTime(let t): return t
        }
    }
}
