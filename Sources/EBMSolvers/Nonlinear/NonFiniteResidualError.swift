/// A nonlinear system's residual F(x) or Jacobian J(x) came out NaN or
/// infinite at `point`. The Newton methods treat a non-finite residual at a
/// trial point as a failed step (KINSOL halves the step, the minimum-norm
/// method backtracks) and report it in a `.diverged` status when they cannot
/// get past it; it is never a `.converged` result.
public struct NonFiniteResidualError: Error, CustomStringConvertible, Sendable {
    public enum Quantity: String, Sendable {
        case residual
        case jacobian = "Jacobian"
    }

    /// Where the first non-finite value sits (0-based).
    public enum Location: Equatable, Sendable {
        case component(Int)
        case entry(row: Int, column: Int)
    }

    public let quantity: Quantity
    public let location: Location
    public let value: Double
    /// The x at which the system was evaluated.
    public let point: [Double]

    public var description: String {
        let place: String
        switch location {
        case .component(let i): place = "component \(i)"
        case .entry(let i, let j): place = "entry (\(i), \(j))"
        }
        return "the \(quantity.rawValue) is \(value) in \(place) at x = \(point)"
    }
}
