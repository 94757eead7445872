/// An integrator was asked for something its system or its vectors cannot
/// give: an analytic Jacobian from a system without one, a dense linear
/// solver on distributed vectors. Thrown when the integrator is built, so
/// that no callback ever meets a missing capability.
public struct MissingCapabilityError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Capability: String, Sendable {
        case denseJacobian = "a dense Jacobian (DenseJacobianODESystem.evaluateJacobian)"
        case jacobianVectorProduct =
            "Jacobian-vector products (JacobianVectorProductODESystem.evaluateJacobianVectorProduct)"
        case serialVectors = "serial vectors (SUNDIALS' dense matrices hold every entry in one process)"
    }

    public let capability: Capability
    /// What needs it, as the Swift API spells it (`BDF(linearSolver: .dense, jacobian: .analytic)`).
    public let requiredBy: String
    /// The type that lacks it.
    public let provider: String

    public var description: String {
        "\(requiredBy) needs \(capability.rawValue), which \(provider) does not provide"
    }
}
