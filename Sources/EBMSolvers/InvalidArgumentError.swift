/// A value handed to a solver wrapper was refused before any SUNDIALS call:
/// a non-positive tolerance, a state of the wrong length, and the like.
public struct InvalidArgumentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The argument or option, as the Swift API spells it (`relativeTolerance`).
    public let argument: String
    /// What is wrong with it, including the value received.
    public let reason: String

    public var description: String { "invalid \(argument): \(reason)" }
}

/// The checks a method's or problem's initialiser makes on its options, each
/// refusing with an `InvalidArgumentError` named `owner.option` and a reason
/// that quotes the value received.
struct OptionChecks {
    /// The type or function the options belong to (`BDF`, `KINSOLNewton`).
    let owner: String

    func refuse(_ option: String, _ reason: String) -> InvalidArgumentError {
        InvalidArgumentError(argument: "\(owner).\(option)", reason: reason)
    }

    /// `condition`, or a refusal of `option` for `reason`.
    func require(_ condition: Bool, _ option: String, _ reason: @autoclosure () -> String) throws {
        guard condition else { throw refuse(option, reason()) }
    }

    /// 0 < value < ∞.
    func positiveFinite(_ value: Double, _ option: String) throws {
        try require(value > 0 && value.isFinite, option, "must be positive and finite, got \(value)")
    }

    /// 0 < value < ∞ when given.
    func positiveFinite(_ value: Double?, _ option: String) throws {
        if let value { try positiveFinite(value, option) }
    }

    /// value ≥ minimum.
    func atLeast(_ value: Int, _ minimum: Int, _ option: String) throws {
        try require(value >= minimum, option, "must be at least \(minimum), got \(value)")
    }

    /// The stopping options every Newton method has: positive, finite
    /// `residualTolerance` and `stepTolerance`, `maxIterations` at least 1.
    func newtonStopping(residualTolerance: Double, stepTolerance: Double, maxIterations: Int) throws {
        try positiveFinite(residualTolerance, "residualTolerance")
        try positiveFinite(stepTolerance, "stepTolerance")
        try atLeast(maxIterations, 1, "maxIterations")
    }
}
