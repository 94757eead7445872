import CMPI

/// A failed MPI call: which function, on which rank, and MPI's own text
/// for the code (`MPI_Error_string`). The communicator's error handler is
/// `MPI_ERRORS_RETURN`, so a broken connection to a rank that died comes
/// back here instead of aborting the job.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let rank: Int
    public let text: String

    public var description: String {
        "\(function) failed on rank \(rank) with MPI error \(code) (\(text))"
    }

    /// `MPI_Error_string` of `code`.
    static func text(of code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(ebm_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == ebm_mpi_success() else { return "unknown error" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Turns an MPI return code into `MPIError`.
@inline(__always)
func check(_ code: Int32, _ function: String, rank: Int) throws {
    guard code != ebm_mpi_success() else { return }
    throw MPIError(function: function, code: code, rank: rank, text: MPIError.text(of: code))
}
