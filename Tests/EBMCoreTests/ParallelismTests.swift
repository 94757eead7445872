import Foundation
import Testing
@testable import EBMCore

/// `Parallelism.forEachChunk` on the kernel team: every chunk runs exactly
/// once per pass, whoever calls and however the calls overlap. The team
/// exists where there is more than one core. Serialized: a test holding the
/// team would leave the others computing without it.
@Suite(.serialized, .enabled(if: KernelTeam.shared.helpers > 0)) struct ParallelismTests {
    /// Each chunk adds its pass number to its own slot; after many short
    /// passes (the integrator's rhythm) every slot holds the sum of them.
    /// A pass the team refuses (busy with another test's pass) is computed
    /// here, as `forEachChunk` would; most are the team's.
    @Test func everyChunkRunsOncePerPass() {
        let chunks = 13, passes = 2000
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0)
        var onTeam = 0
        for pass in 1...passes {
            let body = { (chunk: Int) in slots[chunk] += pass }
            if KernelTeam.shared.run(chunks: chunks, threads: 2, body) { onTeam += 1 } else { (0..<chunks).forEach(body) }
        }
        #expect(onTeam > 0)
        #expect(slots.allSatisfy { $0 == passes * (passes + 1) / 2 })
    }

    /// Helpers do take chunks: with chunks slow enough for a sleeping
    /// helper to wake within a pass, some run off the caller's thread; a
    /// pass allowed one thread is not the team's.
    @Test func helpersTakeChunks() {
        let caller = pthread_self()
        let offCaller = Counters(count: 1)
        defer { offCaller.slots.deallocate() }
        let lock = NSLock()
        var onTeam = 0
        for _ in 0..<2000 where onTeam < 20 {
            let ran = KernelTeam.shared.run(chunks: 8, threads: 2) { _ in
                usleep(1000)
                if pthread_equal(pthread_self(), caller) == 0 { lock.withLock { offCaller.slots[0] += 1 } }
            }
            if ran { onTeam += 1 }
        }
        #expect(offCaller.slots[0] > 0)
        #expect(!KernelTeam.shared.run(chunks: 8, threads: 1) { _ in })
    }

    /// Passes from several threads at once, and a pass started inside a
    /// pass: the team takes one caller at a time and the others compute
    /// without it; none is lost or doubled.
    @Test func overlappingAndNestedPassesComplete() {
        let callers = 4, chunks = 9, passes = 300
        let counts = Counters(count: callers * chunks * chunks)
        defer { counts.slots.deallocate() }
        let parallelism = Parallelism(threads: 2)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<passes {
                parallelism.forEachChunk(chunks) { outer in
                    parallelism.forEachChunk(chunks) { inner in
                        counts.slots[(caller * chunks + outer) * chunks + inner] += 1
                    }
                }
            }
        }
        #expect(counts.slots.allSatisfy { $0 == passes })
    }

    /// A kernel's results are the same bits on one thread and on the team
    /// (n = h = 12 is above the size from which the RBM's passes run in parallel).
    @Test func rbmPassesMatchSerially() throws {
        let model = RestrictedBoltzmannMachine(spins: 12, hidden: 12, units: .spin)
        var generator = SeededGenerator(seed: 3)
        let theta = (0..<model.parameterCount).map { _ in generator.nextNormal() * 0.4 }
        func energies(_ parallelism: Parallelism) -> [Double] {
            let kernel = model.makeKernel(parallelism: parallelism)
            var out = [Double](repeating: 0, count: model.stateCount)
            theta.withUnsafeBufferPointer { t in out.withUnsafeMutableBufferPointer { kernel.evaluate(t, energies: $0) } }
            return out
        }
        let serial = energies(.serial)
        for _ in 0..<20 { #expect(energies(Parallelism(threads: 2)) == serial) }
    }
}

/// Slots that the threads of a test write, each its own.
private struct Counters: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Int>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: 0)
    }
}
