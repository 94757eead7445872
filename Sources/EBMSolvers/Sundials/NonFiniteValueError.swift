/// A user function handed a solver a NaN or an infinity: CVODE's right-hand
/// side, Jacobian, J v, preconditioner or root functions at a time t, or a
/// nonlinear system's residual or Jacobian at a point x.
///
/// Stored by the callback that caught it. CVODE answers by retrying with a
/// smaller step and returns it as `SundialsError.underlying` if it gives up;
/// the Newton methods treat a non-finite residual at a trial point as a
/// failed step (KINSOL halves the step, the minimum-norm method backtracks)
/// and report it in a `.diverged` status when they cannot get past it: it is
/// never a `.converged` result.
public struct NonFiniteValueError: Error, CustomStringConvertible, Sendable {
    /// The function whose output was not finite.
    public enum Quantity: String, Sendable {
        case rightHandSide = "right-hand side"
        case jacobian = "Jacobian"
        case jacobianVectorProduct = "Jacobian-vector product"
        case preconditionerSolve = "preconditioner solve"
        case rootFunctions = "root function"
        case residual
    }

    /// Where in the output the first non-finite value sits (0-based).
    public enum Location: Equatable, Sendable {
        case component(Int)
        case entry(row: Int, column: Int)
    }

    /// The argument the function was evaluated at.
    public enum Argument: Equatable, Sendable {
        /// An ODE's time t.
        case time(Double)
        /// A nonlinear system's point x.
        case point([Double])
    }

    public let quantity: Quantity
    public let location: Location
    public let value: Double
    public let argument: Argument

    public init(quantity: Quantity, location: Location, value: Double, argument: Argument) {
        self.quantity = quantity
        self.location = location
        self.value = value
        self.argument = argument
    }

    /// The first non-finite entry of `values` (a column-major n × n matrix
    /// when `matrixDimension` is given), or nil if every entry is finite.
    public init?<Values: Collection<Double>>(
        checking values: Values, quantity: Quantity, argument: Argument, matrixDimension n: Int? = nil
    ) where Values.Index == Int {
        guard let k = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let offset = k - values.startIndex
        let location: Location = n.map { .entry(row: offset % $0, column: offset / $0) } ?? .component(offset)
        self.init(quantity: quantity, location: location, value: values[k], argument: argument)
    }

    /// t, for an ODE's function.
    public var time: Double? {
        if case .time(let t) = argument { return t }
        return nil
    }

    /// x, for a nonlinear system's function.
    public var point: [Double]? {
        if case .point(let x) = argument { return x }
        return nil
    }

    public var description: String {
        let place: String
        switch location {
        case .component(let i): place = "component \(i)"
        case .entry(let i, let j): place = "entry (\(i), \(j))"
        }
        switch argument {
        case .time(let t): return "the \(quantity.rawValue) is \(value) in \(place) at t = \(t)"
        case .point(let x): return "the \(quantity.rawValue) is \(value) in \(place) at x = \(x)"
        }
    }
}

/// A nonlinear system's residual or Jacobian came out non-finite: the same
/// error as for the integrators, evaluated at a point.
public typealias NonFiniteResidualError = NonFiniteValueError
