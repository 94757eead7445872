import Foundation
import Testing
import EBMAnalysis
import EBMIO
import EBMScenario

/// Three spins, an rbm(3) on a target of every order; a truncated ising(2)
/// variant has a trivial order (couplings of order 3) and unreached moments.
let sweepScenario = """
name: sweep
spins: 3
target: {kind: random, seed: 5, orders: [1, 2, 3], scale: [0.5, 0.5, 0.8]}
model: {kind: rbm, hidden: 3}
init: {kind: normal, scale: 0.01, seed: 2}
integrator: {t_end: 1.0e4, grad_tol: 1.0e-9}
analyses:
  orders: {epsilon: [0.1, 0.01]}
sweep: {seeds: 3, over: init_scale, values: [0.001, 0.3]}
"""

@Suite struct SweepRunTests {
    static func run(_ yaml: String, threads: Int, seeds: Int? = nil, quick: Bool = false) throws -> (String, RunReport) {
        let out = temporaryFolder()
        let report = try SweepRunner.run(try scenario(yaml), options: SweepOptions(
            run: RunOptions(output: out, quiet: true, quick: quick), seeds: seeds, threads: threads))
        return (out, report)
    }

    @Test func oneAndTwoThreadsWriteTheSameBytes() throws {
        let (a, _) = try Self.run(sweepScenario, threads: 1)
        let (b, report) = try Self.run(sweepScenario, threads: 2)
        #expect(report.files == ["order_times_sweep.dat", "sweep_summary.json"])
        for name in report.files {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + name))
            #expect(!x.isEmpty && x == y, "\(name)")
        }
    }

    /// Quartiles and hierarchy fractions recomputed from the rows of
    /// order_times_sweep.dat (nan trivial, inf not reached) equal the summary's.
    @Test(arguments: [sweepScenario, sweepScenario.replacingOccurrences(of: "model: {kind: rbm, hidden: 3}", with: "model: {kind: ising, order: 2}")
                        .replacingOccurrences(of: "sweep: {seeds: 3, over: init_scale, values: [0.001, 0.3]}", with: "sweep: {seeds: 4}")])
    func summaryAgreesWithTheFile(_ yaml: String) throws {
        let (out, _) = try Self.run(yaml, threads: 2)
        let text = try String(contentsOfFile: out + "/order_times_sweep.dat", encoding: .utf8)
        let columns = headerColumns(text)!.split(separator: " ").dropFirst(2).map(String.init)
        let rows = dataRows(text)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep_summary.json"))) as! [String: Any]
        let epsilon = json["epsilon"] as! [Double]
        let values = json["values"] as! [Double]
        let n = 3
        #expect(rows.count == json["members"] as! Int)
        var sawTrivialOrUnreached = false
        for group in json["groups"] as! [[String: Any]] {
            let value = group["value"] as? Double
            let members = rows.filter { value == nil || $0[1] == value }
            #expect(group["runs"] as? Int == members.count)
            for (kind, prefix) in [("couplings", "tJ"), ("moments", "tm"), ("information", "tI")] {
                func column(_ k: Int, _ e: Double) -> Int { columns.firstIndex(of: "\(prefix)_\(k)_eps\(e)")! }
                for statistic in group[kind] as! [[String: Any]] {
                    let k = statistic["order"] as! Int, e = statistic["epsilon"] as! Double
                    let times = members.map { $0[column(k, e)] }
                    let reached = times.filter(\.isFinite).sorted()
                    #expect(statistic["reached"] as? Int == reached.count)
                    #expect(statistic["trivial"] as? Int == times.filter(\.isNaN).count)
                    #expect(statistic["not_reached"] as? Int == times.filter { $0 == .infinity }.count)
                    sawTrivialOrUnreached = sawTrivialOrUnreached || reached.count < times.count
                    for (key, p) in [("q1", 0.25), ("median", 0.5), ("q3", 0.75)] {
                        guard let expected = SweepRunTests.quantile(reached, p) else {
                            #expect(statistic[key] == nil || statistic[key] is NSNull)
                            continue
                        }
                        let got = try #require(statistic[key] as? Double)
                        #expect(abs(got - expected) <= 1e-13 * expected, "\(kind) k = \(k) eps = \(e) \(key)")
                    }
                }
                for (j, e) in epsilon.enumerated() {
                    let holding = members.filter { row in
                        let chain = (1...n).map { row[column($0, e)] }.filter { !$0.isNaN }
                        return zip(chain, chain.dropFirst()).allSatisfy { $0 <= $1 } && chain.contains(where: \.isFinite)
                    }.count
                    let fraction = (group["hierarchy"] as! [[String: Any]])[j][kind] as! Double
                    #expect(fraction == Double(holding) / Double(members.count), "\(kind) eps = \(e)")
                }
            }
        }
        #expect(values.count >= 1)
        if yaml.contains("ising") { #expect(sawTrivialOrUnreached) }
    }

    /// `targets: 2` runs every value and seed on the target seeds 5 and 6,
    /// in the documented member order; the first target's members are the
    /// runs of the sweep without `targets` (same times, bit for bit).
    @Test func targetsDrawConsecutiveTargetSeeds() throws {
        let yaml = sweepScenario.replacingOccurrences(of: "sweep: {seeds: 3, over: init_scale, values: [0.001, 0.3]}",
                                                      with: "sweep: {seeds: 2, over: init_scale, values: [0.001, 0.3], targets: 2}")
        let (out, _) = try Self.run(yaml, threads: 2)
        let text = try String(contentsOfFile: out + "/order_times_sweep.dat", encoding: .utf8)
        let columns = headerColumns(text)!.split(separator: " ").dropFirst(2).map(String.init)
        let rows = dataRows(text)
        let (seed, targetSeed) = (columns.firstIndex(of: "init_seed")!, columns.firstIndex(of: "target_seed")!)
        #expect(rows.map { $0[1] } == [0.001, 0.001, 0.001, 0.001, 0.3, 0.3, 0.3, 0.3])
        #expect(rows.map { $0[targetSeed] } == [5, 5, 6, 6, 5, 5, 6, 6])
        #expect(rows.map { $0[seed] } == [2, 3, 2, 3, 2, 3, 2, 3])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/sweep_summary.json"))) as! [String: Any]
        #expect(json["targets"] as? Int == 2 && json["members"] as? Int == 8)
        let single = sweepScenario.replacingOccurrences(of: "sweep: {seeds: 3, over: init_scale, values: [0.001, 0.3]}",
                                                        with: "sweep: {seeds: 2, over: init_scale, values: [0.001, 0.3]}")
        let (reference, _) = try Self.run(single, threads: 1)
        let referenceRows = dataRows(try String(contentsOfFile: reference + "/order_times_sweep.dat", encoding: .utf8))
        #expect(Array(rows[0...1].map { Array($0[2...]) }) == Array(referenceRows[0...1].map { Array($0[2...]) }))
        // A different target gives different times.
        #expect(rows[2][2] != rows[0][2])
    }

    /// numpy's default quantile, written out independently of the code under test.
    static func quantile(_ x: [Double], _ p: Double) -> Double? {
        if x.isEmpty { return nil }
        let position = p * Double(x.count - 1)
        let below = Int(position), fraction = position - Double(Int(position))
        return below + 1 < x.count ? x[below] * (1 - fraction) + x[below + 1] * fraction : x[below]
    }

    @Test func seedsOptionQuickBudgetAndMissingSweep() throws {
        let (out, _) = try Self.run(sweepScenario, threads: 2, seeds: 5, quick: true)
        let rows = dataRows(try String(contentsOfFile: out + "/order_times_sweep.dat", encoding: .utf8))
        #expect(rows.map { $0[1] } == [0.001, 0.001, 0.3, 0.3])          // quick: 2 values x 2 seeds
        let seedColumn = headerColumns(try String(contentsOfFile: out + "/order_times_sweep.dat", encoding: .utf8))!
            .split(separator: " ").dropFirst(2).firstIndex(of: "init_seed")! - 2
        #expect(rows.map { $0[seedColumn] } == [2, 3, 2, 3])
        let withoutSweep = sweepScenario.replacingOccurrences(of: "sweep: {seeds: 3, over: init_scale, values: [0.001, 0.3]}", with: "")
        #expect(throws: ResolutionError.self) { _ = try Self.run(withoutSweep, threads: 1) }
        let (seedSweep, _) = try Self.run(withoutSweep, threads: 2, seeds: 3)
        let seedRows = dataRows(try String(contentsOfFile: seedSweep + "/order_times_sweep.dat", encoding: .utf8))
        #expect(seedRows.map { $0[1] } == [2, 3, 4])
    }
}
