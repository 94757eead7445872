#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Helper threads for the all-states kernels that wait for the next pass by
/// spinning for a short while before they sleep.
///
/// An integrator calls a kernel pass every few tens of microseconds, with
/// its own serial work (CVODE's vectors, the linear solve) in between. A
/// thread pool that puts its threads to sleep after each pass pays a
/// wake-up in the kernel on every pass, which on a small model costs about
/// what the second thread saves. The team's helpers keep watching for work
/// for `spinNanoseconds` after each pass and then sleep on a condition, so
/// an idle program takes no CPU.
///
/// One caller at a time: a caller that finds the team busy (another thread,
/// or a pass started inside a pass) is told so and computes another way.
/// Which thread computes which chunk never changes a result (`Parallelism`).
@usableFromInline
final class KernelTeam: @unchecked Sendable {
    /// One helper per online core beyond the caller's.
    @usableFromInline
    static let shared = KernelTeam(helpers: max(0, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1))

    /// How long an idle helper watches for the next pass before sleeping,
    /// and how long a caller waits by spinning before it yields its core.
    static let spinNanoseconds: UInt64 = 100_000

    let helpers: Int
    private let busy = Atomic<Bool>(false)
    /// Bumped once per pass; helpers run the pass whose number they have not seen.
    private let generation = Atomic<Int>(0)
    /// Helpers still working on the current pass.
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private var started = false
    private var mutex = pthread_mutex_t()
    private var wakeup = pthread_cond_t()

    /// The current pass: the chunk body of worker `w` is `job(w)`; written
    /// before `generation` is bumped (release) and read after it (acquire).
    private var job: ((Int) -> Void)?
    private var workers = 0

    private init(helpers: Int) {
        self.helpers = helpers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeup, nil)
    }

    /// Runs `work(w)` for `w` in `0 ..< workers` (the caller takes `w = 0`)
    /// and returns after all have finished; false, without running anything,
    /// when the team is busy or has fewer than `workers - 1` helpers.
    @usableFromInline
    func run(workers: Int, _ work: (Int) -> Void) -> Bool {
        guard workers - 1 <= helpers else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        if !started { start() }
        withoutActuallyEscaping(work) { work in
            job = work
            self.workers = workers
            remaining.store(helpers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wakeup)
                pthread_mutex_unlock(&mutex)
            }
            work(0)
            Self.wait { remaining.load(ordering: .acquiring) == 0 }
            job = nil
        }
        return true
    }

    private func start() {
        started = true
        for index in 1...max(helpers, 1) where index <= helpers {
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

    private func serve(index: Int) {
        var seen = 0
        while true {
            if !Self.wait(until: { generation.load(ordering: .acquiring) != seen }, giveUp: true) {
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(&wakeup, &mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if index < workers, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Spins until `condition` holds; after `spinNanoseconds` either gives
    /// up (returns false) or keeps checking while yielding the core.
    @discardableResult
    private static func wait(until condition: () -> Bool, giveUp: Bool = false) -> Bool {
        var spins = 0
        var deadline: UInt64 = 0
        while !condition() {
            spins += 1
            guard spins & 255 == 0 else { continue }
            let now = monotonicNanoseconds()
            if deadline == 0 { deadline = now + spinNanoseconds } else if now > deadline {
                if giveUp { return false }
                sched_yield()
            }
        }
        return true
    }

    private static func wait(_ condition: () -> Bool) { wait(until: condition) }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
