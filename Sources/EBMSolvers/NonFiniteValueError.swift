/// A user function handed CVODE a NaN or an infinity. Stored by the callback
/// that caught it (which asks CVODE to retry with a smaller step) and
/// returned as `CVodeError.underlying` if CVODE gives up.
public struct NonFiniteValueError: Error, CustomStringConvertible, Sendable {
    /// The function whose output was not finite.
    public enum Quantity: String, Sendable {
        case rightHandSide = "right-hand side"
        case jacobian = "Jacobian"
        case jacobianVectorProduct = "Jacobian-vector product"
        case rootFunctions = "root function"
    }

    /// Where in the output the first non-finite value sits (0-based).
    public enum Location: Equatable, Sendable {
        case component(Int)
        case entry(row: Int, column: Int)
    }

    public let quantity: Quantity
    public let location: Location
    public let value: Double
    public let time: Double

    public var description: String {
        let place: String
        switch location {
        case .component(let i): place = "component \(i)"
        case .entry(let i, let j): place = "entry (\(i), \(j))"
        }
        return "the \(quantity.rawValue) is \(value) in \(place) at t = \(time)"
    }
}
