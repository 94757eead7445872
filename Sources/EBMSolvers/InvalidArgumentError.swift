/// A value handed to a solver wrapper was refused before any SUNDIALS call:
/// a non-positive tolerance, a state of the wrong length, and the like.
public struct InvalidArgumentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The argument or option, as the Swift API spells it (`relativeTolerance`).
    public let argument: String
    /// What is wrong with it, including the value received.
    public let reason: String

    public init(argument: String, reason: String) {
        self.argument = argument
        self.reason = reason
    }

    public var description: String { "invalid \(argument): \(reason)" }
}
