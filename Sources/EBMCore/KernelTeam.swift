#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Helper threads for the all-states kernels' passes.
///
/// An integrator makes a kernel pass every few tens of microseconds, with
/// its own serial work (CVODE's vectors, the linear solve) in between. A
/// pool that puts its threads to sleep after each pass and then waits for
/// them to wake pays a wake-up in the kernel on every pass, which on a
/// small model costs about what the second thread saves. Here the caller
/// never waits for a helper to wake: the chunks of a pass are claimed one
/// at a time from a shared counter, by the caller and by whichever helpers
/// are awake, so a pass that no helper joins is simply computed by the
/// caller. Helpers keep watching for the next pass for `spinNanoseconds`
/// after their last chunk and then sleep on a condition variable, so an
/// idle program takes no CPU.
///
/// A pass asks for at most `threads` threads, the caller's included; the
/// helpers beyond that leave it alone. One caller at a time: a caller that
/// finds the team busy (another thread, or a pass started inside a pass) is
/// told so and computes another way. Which thread computes which chunk
/// never changes a result (`Parallelism`).
@usableFromInline
final class KernelTeam: @unchecked Sendable {
    /// One helper per online core beyond the caller's, started with it.
    @usableFromInline
    static let shared = KernelTeam(helpers: max(0, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1))

    /// How long an idle helper watches for the next pass before sleeping,
    /// and how long a caller spins for a helper's last chunk before it
    /// yields its core.
    static let spinNanoseconds: UInt64 = 50_000

    let helpers: Int
    private let busy = Atomic<Bool>(false)
    /// The pass (bits 40–63), its chunk count (bits 20–39) and the next
    /// chunk to claim (bits 0–19), in one word: a claim is a
    /// compare-and-swap that fails once the pass is over.
    private let claims = Atomic<UInt64>(0)
    /// Chunks of the current pass finished by helpers.
    private let finishedByHelpers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Helpers the current pass may use (those numbered below it).
    private let participants = Atomic<Int>(0)
    private var pass: UInt64 = 0
    private var mutex = pthread_mutex_t()
    private var wakeup = pthread_cond_t()
    /// The current pass's chunk body: written before the pass is published
    /// (release) and read by a helper only after it claimed a chunk of it.
    private var job: ((Int) -> Void)?

    private static let fieldBits: UInt64 = 20, fieldMask: UInt64 = (1 << 20) - 1

    /// The pass number held in a `claims` word.
    private static func pass(of word: UInt64) -> UInt64 { word >> (2 * fieldBits) }

    private init(helpers: Int) {
        self.helpers = helpers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeup, nil)
        for index in 0..<helpers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(Helper(team: self, index: index)).toOpaque()
            pthread_create(&thread, nil, { context in
                let helper = Unmanaged<Helper>.fromOpaque(context!).takeRetainedValue()
                helper.team.serve(index: helper.index)
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    private final class Helper {
        let team: KernelTeam, index: Int
        init(team: KernelTeam, index: Int) { self.team = team; self.index = index }
    }

    /// Runs `body(c)` for every chunk `c` in `0 ..< chunks` on the caller
    /// and up to `threads - 1` helpers, and returns after all have finished;
    /// false, without running anything, when the team is busy, there is no
    /// helper to use or the pass has more chunks than a claim can count.
    @usableFromInline
    func run(chunks: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard helpers > 0, threads > 1, chunks > 0, UInt64(chunks) <= Self.fieldMask else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = body
            participants.store(threads - 1, ordering: .relaxed)
            finishedByHelpers.store(0, ordering: .relaxed)
            pass = (pass + 1) & ((1 << 24) - 1)
            let current = pass
            claims.store(pass << (2 * Self.fieldBits) | UInt64(chunks) << Self.fieldBits, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wakeup)
                pthread_mutex_unlock(&mutex)
            }
            var mine = 0
            while let chunk = claim(in: current) {
                body(chunk)
                mine += 1
            }
            let theirs = chunks - mine
            Self.spin(until: { finishedByHelpers.load(ordering: .acquiring) == theirs }, orYield: true)
            job = nil
        }
        return true
    }

    /// The next unclaimed chunk of pass `current`, nil once all are claimed
    /// or the pass is over.
    private func claim(in current: UInt64) -> Int? {
        var word = claims.load(ordering: .acquiring)
        while true {
            let next = word & Self.fieldMask, count = (word >> Self.fieldBits) & Self.fieldMask
            guard Self.pass(of: word) == current, next < count else { return nil }
            let (exchanged, seen) = claims.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
            if exchanged { return Int(next) }
            word = seen
        }
    }

    private func serve(index: Int) {
        var done: UInt64 = 0
        func currentPass() -> UInt64 { Self.pass(of: claims.load(ordering: .acquiring)) }
        while true {
            if !Self.spin(until: { currentPass() != done }, orYield: false) {
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while Self.pass(of: claims.load(ordering: .sequentiallyConsistent)) == done { pthread_cond_wait(&wakeup, &mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
            }
            let current = currentPass()
            // A helper the pass may not use finds nothing to claim.
            while index < participants.load(ordering: .relaxed), let chunk = claim(in: current) {
                // The caller waits for this chunk, so `job` is this pass's.
                job!(chunk)
                finishedByHelpers.add(1, ordering: .releasing)
            }
            done = current
        }
    }

    /// Spins until `condition` holds. After `spinNanoseconds` it either
    /// gives up (returns false) or goes on checking between `sched_yield`s.
    @discardableResult
    private static func spin(until condition: () -> Bool, orYield: Bool) -> Bool {
        var spins = 0
        var deadline: UInt64 = 0
        while !condition() {
            spins += 1
            guard spins & 63 == 0 else { continue }
            let now = monotonicNanoseconds()
            if deadline == 0 { deadline = now + spinNanoseconds } else if now > deadline {
                if !orYield { return false }
                sched_yield()
            }
        }
        return true
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
