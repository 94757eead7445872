import CSundials

/// Where an integrator's `N_Vector`s live: one process (`SerialVectors`,
/// `N_VNew_Serial`) or a block per MPI rank (`nvector_parallel`, provided by
/// the module that owns the communicator). The integrator asks it for its
/// `SUNContext`'s communicator and for every vector, and does everything
/// else (CVODE's lifecycle, options, linear solver, callbacks, statistics)
/// the same way for both.
///
/// The vectors cross as opaque pointers (`N_Vector`, `SUNContext`) so that a
/// factory may be written against another SUNDIALS shim module.
public protocol VectorFactory {
    /// What `SUNContext_Create` receives as its communicator (a pointer to
    /// an `MPI_Comm`), nil for one process. It must stay valid while the
    /// factory lives; the integrator keeps the factory until its context is
    /// freed.
    var communicator: UnsafeMutableRawPointer? { get }
    /// The C constructor, for error reports (`N_VNew_Serial`).
    var constructorName: String { get }
    /// Whether a vector holds every entry in this process, as SUNDIALS' dense
    /// matrix and linear solver require.
    var isSerial: Bool { get }
    /// A new vector with `localLength` entries in this process, in `context`
    /// (a `SUNContext`); nil if it cannot be allocated.
    func makeVector(localLength: Int, context: OpaquePointer) -> UnsafeMutableRawPointer?
    /// The answer every process gives CVODE for one callback, from this
    /// process's: under MPI a recoverable failure (+1) or a stop (-1) on one
    /// rank must be the answer of all, or the ranks' CVODEs part ways.
    /// Returns nil when this process's answer stands (the serial case).
    func agreed(_ flag: Int32) -> Int32?
}

/// One process's vectors (`N_VNew_Serial`, with the operations of
/// `SerialOperations`).
public struct SerialVectors: VectorFactory {
    public init() {}
    public var communicator: UnsafeMutableRawPointer? { nil }
    public var constructorName: String { "N_VNew_Serial" }
    public var isSerial: Bool { true }
    public func makeVector(localLength: Int, context: OpaquePointer) -> UnsafeMutableRawPointer? {
        SerialOperations.newVector(length: sunindextype(localLength), context: context).map { UnsafeMutableRawPointer($0) }
    }
    public func agreed(_ flag: Int32) -> Int32? { nil }
}

/// A callback failed on another MPI rank: this rank's CVODE stops (or
/// retries) with it.
public struct CallbackFailedElsewhereError: Error, CustomStringConvertible, Sendable {
    /// The answer the ranks agreed on (+1 retry, -1 stop).
    public let flag: Int32
    public var description: String {
        "a callback failed on another rank (\(flag > 0 ? "recoverably" : "unrecoverably")); its error is reported there"
    }
}
