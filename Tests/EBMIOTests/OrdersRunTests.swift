import Foundation
import Testing
import EBMCore
import EBMIO
import EBMScenario

/// The rows of a `.dat` file as numbers, data sets (gnuplot `index`) flattened.
func dataRows(_ text: String) -> [[Double]] {
    text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
        line.split(separator: " ").map { Double(String($0)) ?? .nan }
    }
}

func headerColumns(_ text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix("# columns:") }.map(String.init)
}

let ordersScenario = """
name: orders
spins: 3
target: {kind: random, seed: 5, orders: [1, 2, 3], scale: 0.5}
model: {kind: rbm, hidden: 3}
init: {kind: normal, scale: 0.01, seed: 2}
integrator: {rtol: 1.0e-8, atol: 1.0e-10, t_end: 1.0e4, grad_tol: 1.0e-9}
analyses:
  orders: {epsilon: [0.1, 0.01]}
"""

@Suite struct OrdersRunTests {
    @Test func ordersWritesItsFilesWithTheDocumentedColumns() throws {
        let out = temporaryFolder()
        let report = try ScenarioRunner.run(try scenario(ordersScenario), options: RunOptions(output: out, quiet: true))
        #expect(report.files == ["orders.dat", "order_times.dat", "order_onsets.dat", "information.dat", "summary.json"])

        let orders = try String(contentsOfFile: out + "/orders.dat", encoding: .utf8)
        #expect(headerColumns(orders) == "# columns: t r_1 r_2 r_3 d_1 d_2 d_3 dJ*_1 dJ*_2 dJ*_3")
        let rows = dataRows(orders)
        #expect(rows.count == 400 && rows.allSatisfy { $0.count == 10 })
        #expect(rows[0][0] == 0 && Array(rows[0][1...6]) == [1, 1, 1, 1, 1, 1])
        #expect(rows.last![1...3].allSatisfy { $0 == 0 })         // r_k(θ_∞) = 0

        let times = try String(contentsOfFile: out + "/order_times.dat", encoding: .utf8)
        #expect(headerColumns(times) == "# columns: order epsilon t_J t_m t_I")
        #expect(times.contains("\n\n\n"))                          // a data set per epsilon
        let timeRows = dataRows(times)
        #expect(timeRows.map { $0[0] } == [1, 2, 3, 1, 2, 3])
        #expect(timeRows.map { $0[1] } == [0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
        #expect(timeRows.allSatisfy { $0[2] > 0 && $0[3] > 0 && $0[4] > 0 })

        let onsets = try String(contentsOfFile: out + "/order_onsets.dat", encoding: .utf8)
        #expect(headerColumns(onsets) == "# columns: order fraction t_on_J t_on_m t_on_I")
        let onsetRows = dataRows(onsets)
        #expect(onsetRows.map { $0[1] } == [0.1, 0.1, 0.1, 0.5, 0.5, 0.5])
        // An onset comes no later than the same order's f = 0.5 onset, and before it converges to 0.1.
        for k in 0..<3 {
            for column in 2...4 {
                #expect(onsetRows[k][column] <= onsetRows[3 + k][column] && onsetRows[3 + k][column] <= timeRows[k][column])
            }
        }

        let information = try String(contentsOfFile: out + "/information.dat", encoding: .utf8)
        #expect(headerColumns(information) == "# columns: t I_1 I_2 I_3")
        #expect(information.contains("# target I_k(q), k = 1..n: "))
        #expect(dataRows(information).count == 400)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        #expect(json["trajectory"] == nil)
        let block = try #require(json["orders"] as? [String: Any])
        #expect(block["epsilon"] as? [Double] == [0.1, 0.01])
        let perOrder = try #require(block["orders"] as? [[String: Any]])
        #expect(perOrder.count == 3)
        // The summary's times are the file's (to the JSON round trip's last digits).
        for (k, order) in perOrder.enumerated() {
            for (j, time) in (order["times"] as! [[String: Any]]).enumerated() {
                #expect(abs((time["t_J"] as! Double) / timeRows[j * 3 + k][2] - 1) < 1e-14)
                #expect(abs((time["t_I"] as! Double) / timeRows[j * 3 + k][4] - 1) < 1e-14)
                #expect(time["status_J"] as? String == "reached" && time["status_I"] as? String == "reached")
            }
        }
        let rootFinding = try #require(block["root_finding"] as? [String: Any])
        #expect(rootFinding["endpoint_deviation"] as? Double == 0)
        let info = try #require(block["information"] as? [String: Any])
        let targetInformation = try #require(info["target"] as? [Double])
        let resolved = try ScenarioRunner.check(try scenario(ordersScenario))
        #expect(abs(targetInformation.reduce(0, +) - (3 * log(2.0) - resolved.target.entropy)) < 1e-10)
    }

    /// With `trajectory` too, one sampled pass serves both: the orders
    /// rows are at the trajectory's sample times.
    @Test func ordersShareTheTrajectoryPass() throws {
        let out = temporaryFolder()
        let yaml = ordersScenario + "\n  trajectory: {samples: 30, spacing: log, t_min: 0.01}"
        let report = try ScenarioRunner.run(try scenario(yaml), options: RunOptions(output: out, quiet: true))
        #expect(report.files == ["trajectory.dat", "couplings.dat", "orders.dat", "order_times.dat", "order_onsets.dat", "information.dat",
                                 "summary.json"])
        let t = dataRows(try String(contentsOfFile: out + "/trajectory.dat", encoding: .utf8)).map { $0[0] }
        let o = dataRows(try String(contentsOfFile: out + "/orders.dat", encoding: .utf8)).map { $0[0] }
        #expect(t == o && t.count == 30)
    }
}
