#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// How many threads an all-states kernel may use.
///
/// Kernels split their work into chunks whose number and boundaries depend
/// only on the problem size, never on `threads`, and combine partial sums
/// in chunk order: the results are the same bits whatever the thread count.
/// Threads only decide who computes which chunk.
public struct Parallelism: Sendable, Equatable {
    /// At least 1.
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    public static let serial = Parallelism(threads: 1)

    /// One thread per online core.
    public static let automatic = Parallelism(threads: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(chunk)` for every chunk in `0 ..< count`, on up to
    /// `threads` threads (`body` must only write what belongs to its
    /// chunk): on the kernel team when it is free (chunks claimed one at a
    /// time), otherwise on Dispatch's threads (chunks dealt round-robin).
    @inlinable
    public func forEachChunk(_ count: Int, _ body: (Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for chunk in 0..<count { body(chunk) }
            return
        }
        if KernelTeam.shared.run(chunks: count, threads: workers, body) { return }
        withoutActuallyEscaping(body) { body in
            let shared = ChunkBody(run: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var chunk = worker
                while chunk < count {
                    shared.run(chunk)
                    chunk += workers
                }
            }
        }
    }
}

/// A chunk body shared by the threads of `forEachChunk`. Sharing it is safe
/// by the contract the compiler cannot see: each call writes only what
/// belongs to its own chunk, and `forEachChunk` returns after the last one.
@usableFromInline
struct ChunkBody: @unchecked Sendable {
    @usableFromInline let run: (Int) -> Void
    @usableFromInline init(run: @escaping (Int) -> Void) { self.run = run }
}
