import Foundation
import Testing
import EBMCore

/// The committed data set `scenarios/data/digits-center.txt` read by the
/// loader reproduces what `scenarios/data/README.md` documents, and its
/// held-out split is fixed by its seed.
@Suite struct DigitsDataTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/data/digits-center.txt").path

    static func load(columns: [Int]? = nil) throws -> (spins: Int, states: [Int]) {
        try BinarySamples.parse(try String(contentsOfFile: path, encoding: .utf8), file: path, columns: columns)
    }

    /// Ones per variable, as `derive_digits.py` prints them.
    static let ones = [1219, 800, 828, 976, 1087, 1062, 1213, 894, 916, 1078, 1272, 1076, 827, 878, 911, 1040]

    @Test func sampleCountAndFrequencies() throws {
        let data = try Self.load()
        #expect(data.spins == 16)
        #expect(data.states.count == 1797)
        for i in 0..<16 {
            // Bit i of a state is variable i's 0/1 value (1 ↔ spin -1).
            let count = data.states.reduce(0) { $0 + (($1 >> i) & 1) }
            #expect(count == Self.ones[i], "variable \(i)")
        }
        #expect(Set(data.states).count == 1021)
        // The first image (a zero) reads 1001 1001 1001 1001 row by row.
        #expect(data.states[0] == 0b1001_1001_1001_1001)
    }

    /// The scenarios' 8 variables (the middle two rows of the patch).
    @Test func middleRowsTarget() throws {
        let data = try Self.load(columns: Array(4..<12))
        #expect(data.spins == 8)
        #expect(Set(data.states).count == 144)
        let target = try Target.frequencies(spins: 8, samples: data.states, pseudocount: 0.5)
        for i in 0..<8 {
            // m_i = E[s_i] = 1 - 2 P(bit i) with the pseudocount's half-sample per state.
            let expected = 1 - 2 * (Double(Self.ones[4 + i]) + 0.5 * 128) / (1797 + 0.5 * 256)
            #expect(abs(target.moments[1 << i] - expected) < 1e-14, "variable \(i)")
        }
    }

    @Test func splitIsDeterministicFromItsSeed() throws {
        let states = try Self.load().states
        let a = try DataSplit(samples: states, holdout: 0.2, seed: 3)
        let b = try DataSplit(samples: states, holdout: 0.2, seed: 3)
        let c = try DataSplit(samples: states, holdout: 0.2, seed: 4)
        #expect(a == b)
        #expect(a.testIndices != c.testIndices)
        #expect(a.test.count == 359 && a.training.count == 1438)
        #expect(a.testIndices == a.testIndices.sorted())
        // The split is a partition of the samples.
        var isTest = [Bool](repeating: false, count: states.count)
        for k in a.testIndices { isTest[k] = true }
        #expect(a.training == states.indices.filter { !isTest[$0] }.map { states[$0] })
        #expect(a.test == a.testIndices.map { states[$0] })
        // The xoshiro256** Fisher–Yates shuffle from seed 3, as an independent
        // Python transcription of it gives.
        #expect(Array(a.testIndices.prefix(5)) == [1, 7, 8, 9, 13])
    }

    @Test func splitNeedsSamplesOnBothSides() {
        #expect(throws: TargetError.self) { try DataSplit(samples: [0, 1], holdout: 0.1, seed: 0) }
        #expect(throws: TargetError.self) { try DataSplit(samples: [0, 1], holdout: 0.9, seed: 0) }
        #expect(throws: TargetError.self) { try DataSplit(samples: [0, 1, 2], holdout: 1, seed: 0) }
        #expect((try? DataSplit(samples: [0, 1], holdout: 0.5, seed: 0))?.test.count == 1)
    }

    @Test func averageLogLikelihood() {
        #expect(DataSplit.averageLogLikelihood(of: [0, 2, 2], logProbabilities: [-1, -5, -2, -9]) == -5.0 / 3)
    }
}
