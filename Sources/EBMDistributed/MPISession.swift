import CMPI
import Foundation

/// The process's MPI session: `MPI_Init_thread` when created, `MPI_Finalize`
/// by `finalize()` or when released. MPI can be initialised once per
/// process, so there is at most one session (`MPISession.start()`).
///
/// The thread level is `MPI_THREAD_FUNNELED`: only the thread that made the
/// session calls MPI; worker threads compute and hand results to it.
/// Errors return (`MPI_ERRORS_RETURN` on `MPI_COMM_WORLD`) as `MPIError`.
public final class MPISession: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private(set) public var isFinalized = false

    /// `MPI_COMM_WORLD`, for C libraries that take a communicator
    /// (SUNDIALS' `SUNContext_Create`, `N_VNew_Parallel`).
    public var communicator: MPI_Comm { ebm_mpi_comm_world() }

    nonisolated(unsafe) private static var started: MPISession?

    /// Whether this process was started by an MPI launcher (`mpirun`,
    /// `mpiexec`, Slurm's `srun --mpi=pmix|pmi2`), read from the variables
    /// the launchers set. Without one, MPI is never initialised.
    public static func isLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"].contains { environment[$0] != nil }
    }

    /// The session, started on first use (`MPI_Init_thread`).
    public static func start() throws -> MPISession {
        if let started { return started }
        let session = try MPISession()
        started = session
        return session
    }

    private init() throws {
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, ebm_mpi_thread_funneled(), &provided), "MPI_Init_thread", rank: -1)
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_set_errhandler(ebm_mpi_comm_world(), ebm_mpi_errors_return()), "MPI_Comm_set_errhandler", rank: -1)
        try check(MPI_Comm_rank(ebm_mpi_comm_world(), &rank), "MPI_Comm_rank", rank: -1)
        try check(MPI_Comm_size(ebm_mpi_comm_world(), &size), "MPI_Comm_size", rank: Int(rank))
        self.rank = Int(rank)
        self.size = Int(size)
        guard provided >= ebm_mpi_thread_funneled() else {
            MPI_Finalize()
            throw MPIError(function: "MPI_Init_thread", code: 0, rank: Int(rank),
                           text: "the MPI library provides thread level \(provided), below MPI_THREAD_FUNNELED")
        }
    }

    deinit { if !isFinalized { MPI_Finalize() } }

    /// `MPI_Finalize`: every rank must call it before exiting normally.
    public func finalize() throws {
        guard !isFinalized else { return }
        isFinalized = true
        try check(MPI_Finalize(), "MPI_Finalize", rank: rank)
    }

    /// `MPI_Abort` on `MPI_COMM_WORLD`: the launcher ends every rank.
    public func abort(code: Int32) -> Never {
        MPI_Abort(ebm_mpi_comm_world(), code)
        exit(code)
    }

    // MARK: byte messages

    /// A message waiting to be received.
    public struct Envelope: Sendable {
        public let source: Int
        public let tag: Int32
        public let byteCount: Int
    }

    /// `MPI_Send` of bytes (blocking; returns once the buffer may be reused).
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            try check(MPI_Send(buffer.baseAddress, Int32(buffer.count), ebm_mpi_byte(), Int32(destination), tag, ebm_mpi_comm_world()),
                      "MPI_Send", rank: rank)
        }
    }

    /// `MPI_Iprobe`: the next message from `source` (any when nil) with
    /// `tag` (any when nil), without receiving it; nil when none has arrived.
    public func probe(from source: Int? = nil, tag: Int32? = nil) throws -> Envelope? {
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Iprobe(Int32(source ?? Int(ebm_mpi_any_source())), tag ?? ebm_mpi_any_tag(), ebm_mpi_comm_world(), &flag, &status),
                  "MPI_Iprobe", rank: rank)
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        try check(MPI_Get_count(&status, ebm_mpi_byte(), &count), "MPI_Get_count", rank: rank)
        return Envelope(source: Int(ebm_mpi_status_source(&status)), tag: ebm_mpi_status_tag(&status), byteCount: Int(count))
    }

    /// `MPI_Recv` of the message `envelope` describes.
    public func receive(_ envelope: Envelope) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: envelope.byteCount)
        try bytes.withUnsafeMutableBytes { buffer in
            try check(MPI_Recv(buffer.baseAddress, Int32(buffer.count), ebm_mpi_byte(), Int32(envelope.source), envelope.tag,
                               ebm_mpi_comm_world(), ebm_mpi_status_ignore()), "MPI_Recv", rank: rank)
        }
        return bytes
    }

    /// `MPI_Isend` of bytes: the returned send owns a copy of them until
    /// `isComplete` says MPI is done with it, so the sender never blocks on
    /// a receiver that is busy.
    public func startSend(_ bytes: [UInt8], to destination: Int, tag: Int32) throws -> PendingSend {
        let pending = PendingSend(bytes, rank: rank)
        try check(MPI_Isend(pending.buffer.baseAddress, Int32(pending.count), ebm_mpi_byte(), Int32(destination), tag,
                            ebm_mpi_comm_world(), &pending.request), "MPI_Isend", rank: rank)
        return pending
    }

    // MARK: doubles

    /// `MPI_Sendrecv` of doubles with `partner`: sends `outgoing`, receives
    /// the same count into `incoming` (the exchange of a butterfly stage).
    public func exchange(_ outgoing: UnsafeBufferPointer<Double>, with partner: Int, into incoming: UnsafeMutableBufferPointer<Double>,
                         tag: Int32 = 77) throws {
        precondition(outgoing.count == incoming.count && outgoing.count <= Int(Int32.max))
        try check(MPI_Sendrecv(outgoing.baseAddress, Int32(outgoing.count), ebm_mpi_double(), Int32(partner), tag,
                               incoming.baseAddress, Int32(incoming.count), ebm_mpi_double(), Int32(partner), tag,
                               ebm_mpi_comm_world(), ebm_mpi_status_ignore()), "MPI_Sendrecv", rank: rank)
    }

    /// `MPI_Allreduce` with `MPI_SUM` of doubles, element-wise over ranks.
    public func sum(_ values: [Double]) throws -> [Double] {
        try allReduce(values, ebm_mpi_sum())
    }

    /// `MPI_Allreduce` with `MPI_MAX` of doubles.
    public func maximum(_ values: [Double]) throws -> [Double] {
        try allReduce(values, ebm_mpi_max())
    }

    /// `MPI_Allreduce` of doubles with `operation`, element-wise over ranks.
    private func allReduce(_ values: [Double], _ operation: MPI_Op) throws -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        try values.withUnsafeBufferPointer { input in
            try result.withUnsafeMutableBufferPointer { output in
                try check(MPI_Allreduce(input.baseAddress, output.baseAddress, Int32(values.count), ebm_mpi_double(), operation,
                                        ebm_mpi_comm_world()), "MPI_Allreduce", rank: rank)
            }
        }
        return result
    }

    /// `MPI_Bcast` of bytes from `root` (the count travels first).
    public func broadcast(_ bytes: [UInt8], from root: Int) throws -> [UInt8] {
        var count = Int64(bytes.count)
        try check(MPI_Bcast(&count, 1, ebm_mpi_int64(), Int32(root), ebm_mpi_comm_world()), "MPI_Bcast", rank: rank)
        var data = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        try data.withUnsafeMutableBytes { buffer in
            try check(MPI_Bcast(buffer.baseAddress, Int32(count), ebm_mpi_byte(), Int32(root), ebm_mpi_comm_world()), "MPI_Bcast", rank: rank)
        }
        return data
    }

    /// `MPI_Barrier` on `MPI_COMM_WORLD`.
    public func barrier() throws {
        try check(MPI_Barrier(ebm_mpi_comm_world()), "MPI_Barrier", rank: rank)
    }
}

/// A nonblocking send (`MPI_Isend`) and the copy of its bytes it owns.
public final class PendingSend {
    let buffer: UnsafeMutableRawBufferPointer
    let count: Int
    var request: MPI_Request? = ebm_mpi_request_null()
    let rank: Int
    private var done = false

    init(_ bytes: [UInt8], rank: Int) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        buffer = copy
        count = bytes.count
        self.rank = rank
    }

    /// `MPI_Test`: whether the send has completed (then the copy is freed).
    public func isComplete() throws -> Bool {
        if done { return true }
        var flag: Int32 = 0
        try check(MPI_Test(&request, &flag, ebm_mpi_status_ignore()), "MPI_Test", rank: rank)
        if flag != 0 { done = true }
        return done
    }

    deinit {
        // An unfinished send keeps its buffer: MPI may still read it.
        if done { buffer.deallocate() }
    }
}
