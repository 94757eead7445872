import Testing
import EBMCore

@Suite struct WalshTests {
    @Test func transformTwiceIsScaledIdentity() {
        for n in 1...8 {
            let f = randomVector(1 << n, scale: 1, seed: UInt64(n))
            var g = f
            Walsh.transform(&g)
            Walsh.transform(&g)
            let scaled = g.map { $0 / Double(1 << n) }
            #expect(relativeError(scaled, f) < 1e-14)
        }
    }

    @Test func transformMatchesDefinition() {
        let n = 5
        let f = randomVector(1 << n, scale: 1, seed: 3)
        var fast = f
        Walsh.transform(&fast)
        for a in 0..<(1 << n) {
            var direct = 0.0
            for x in 0..<(1 << n) { direct += Walsh.character(a, x) * f[x] }
            #expect(abs(direct - fast[a]) < 1e-12)
        }
    }

    /// The blocked, parallel transform does the textbook butterflies in
    /// another order: the same bits for every length and thread count.
    @Test func fastTransformIsBitIdenticalToTheTextbookOne() {
        for n in [1, 2, 3, 4, 7, 15, 16, 17, 19] {
            let f = randomVector(1 << n, scale: 1, seed: UInt64(40 + n))
            var reference = f
            Walsh.referenceTransform(&reference)
            for threads in [1, 2, 3] {
                var fast = f
                Walsh.transform(&fast, parallelism: Parallelism(threads: threads))
                #expect(fast == reference, "n = \(n), \(threads) threads")
            }
        }
    }

    @Test func characterIsProductOfSpins() {
        for a in 0..<16 {
            for x in 0..<16 {
                let product = Walsh.sites(of: a).reduce(1.0) { $0 * Walsh.spin($1, of: x) }
                #expect(product == Walsh.character(a, x))
            }
        }
    }

    @Test func canonicalInteractionOrder() {
        let names = Walsh.allInteractions(spins: 3).map(Walsh.couplingName)
        #expect(names == ["J{0}", "J{1}", "J{2}", "J{0,1}", "J{0,2}", "J{1,2}", "J{0,1,2}"])
        #expect(Walsh.allInteractions(spins: 10).count == 1023)
        #expect(Set(Walsh.allInteractions(spins: 10)).count == 1023)
    }

    @Test func targetCouplingsRoundTrip() throws {
        let n = 6
        var list: [(mask: Int, value: Double)] = []
        var g = SeededGenerator(seed: 11)
        for a in Walsh.allInteractions(spins: n) { list.append((a, 0.7 * g.nextNormal())) }
        let target = try Target(spins: n, couplings: list)
        for (a, value) in list { #expect(abs(target.couplings[a] - value) < 1e-12) }
        #expect(abs(target.probabilities.reduce(0, +) - 1) < 1e-14)
        #expect(abs(target.moments[0] - 1) < 1e-14)
    }

    @Test func betaScalesCouplingsAndMixKeepsMoments() throws {
        let target = try Target.random(spins: 4, seed: 2, orders: [1, 2, 3, 4], scales: [0.5, 0.4, 0.3, 0.2])
        let hot = try target.atInverseTemperature(0.3)
        for a in 1..<16 { #expect(abs(hot.couplings[a] - 0.3 * target.couplings[a]) < 1e-13) }
        let mixed = try target.mixedWithUniform(weight: 0.25)
        for a in 1..<16 { #expect(abs(mixed.moments[a] - 0.25 * target.moments[a]) < 1e-14) }
    }

    @Test func frequenciesWithPseudocount() throws {
        let samples = [0, 0, 1, 3, 3, 3]
        let t = try Target.frequencies(spins: 2, samples: samples, pseudocount: 0.5)
        let expected = [2.5, 1.5, 0.5, 3.5].map { $0 / 8 }
        for x in 0..<4 { #expect(abs(t.probabilities[x] - expected[x]) < 1e-15) }
        #expect(throws: TargetError.self) { try Target.frequencies(spins: 2, samples: samples, pseudocount: 0) }
        do {
            _ = try Target.frequencies(spins: 2, samples: samples, pseudocount: 0)
        } catch {
            #expect("\(error)".contains("state 2"))
            #expect("\(error)".contains("pseudocount"))
        }
    }

    @Test func tableRejectsNonPositive() {
        #expect(throws: TargetError.self) { try Target.table(spins: 1, probabilities: [0.5, 0]) }
        #expect(throws: TargetError.self) { try Target.table(spins: 1, probabilities: [0.5, -1]) }
        #expect(throws: TargetError.self) { try Target.table(spins: 2, probabilities: [0.5, 0.5]) }
    }

    @Test func parityTargetHasOnlyTopOrder() throws {
        let t = try Target.parity(spins: 4, strength: 1.2)
        for a in 1..<15 { #expect(abs(t.couplings[a]) < 1e-14) }
        #expect(abs(t.couplings[15] - 1.2) < 1e-13)
        for a in 1..<15 { #expect(abs(t.moments[a]) < 1e-14) }
    }
}
