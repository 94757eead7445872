import EBMAnalysis
import EBMCore

/// `orders.dat`, `order_times.dat` and `information.dat` (docs/design.md, Orders of learning, §3).
public enum OrdersFiles {
    /// `t r_1..r_n d_1..d_n dJ*_1..dJ*_n` at the trajectory's samples; NaN
    /// in the columns of trivial orders.
    public static func orders(_ trajectory: Trajectory, convergence: OrderConvergence, scenario: String) -> DataFile {
        let reference = convergence.reference
        let n = reference.spins
        let columns = ["t"] + (1...n).map { "r_\($0)" } + (1...n).map { "d_\($0)" } + (1...n).map { "dJ*_\($0)" }
        var file = DataFile(scenario: scenario, columns: columns, constants: [
            ("stop_reason", convergence.stopReason.rawValue),
            ("stop_time", DataFile.format(convergence.stopTime)),
        ])
        file.comment("r_k = |J^(k)(t) - J^(k)(theta_inf)| / |J^(k)(0) - J^(k)(theta_inf)|, theta_inf = theta(stop_time)")
        file.comment("d_k = |m^(k)(p_t) - m^(k)(q)| / |m^(k)(p_0) - m^(k)(q)|;  dJ*_k = |J^(k)(t) - J*^(k)| (not normalised)")
        file.comment("|J^(k)(0) - J^(k)(theta_inf)|, k = 1..n: " + reference.couplingScales.map(DataFile.format).joined(separator: " "))
        file.comment("|m^(k)(p_0) - m^(k)(q)|, k = 1..n: " + reference.momentScales.map(DataFile.format).joined(separator: " "))
        file.comment(trivialNote(reference))
        for sample in trajectory.samples {
            let d = reference.distances(couplings: sample.couplings, moments: sample.moments)
            file.append([sample.time] + d.couplings + d.moments + d.targetCouplings)
        }
        return file
    }

    /// `order epsilon t_J t_m t_I`: one data set (gnuplot `index`) per ε, a
    /// row per order; `nan` for a trivial order (and in `t_I` when the
    /// information was not measured), `inf` for one that never gets within ε
    /// (the infimum of an empty set), as the header says.
    public static func times(_ convergence: OrderConvergence, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["order", "epsilon", "t_J", "t_m", "t_I"], constants: [
            ("stop_time", DataFile.format(convergence.stopTime)),
        ])
        file.comment("t_J = inf{t : r_k(t') <= epsilon for all t' >= t}, t_m the same for d_k; CVODE root finding")
        file.comment("t_I = inf{t : |I_k(p_t') / I_k(p_inf) - 1| <= epsilon for all t' >= t} (connected information; nan for every order when not measured)")
        file.comment("nan: trivial order (normalising distance <= \(DataFile.format(convergence.reference.trivialTolerance)) x max(1, largest order's), nothing to learn; "
                     + "for t_I: I_k(p_inf) <= that fraction of the largest); inf: never within epsilon (distance ends above it)")
        file.comment(trivialNote(convergence.reference))
        if let information = convergence.information {
            file.comment("I_k(p_inf), k = 1..n: " + information.final.map(DataFile.format).joined(separator: " "))
        }
        for (j, epsilon) in convergence.thresholds.enumerated() {
            if j > 0 { file.endDataSet() }
            for k in 1...convergence.reference.spins {
                file.append([Double(k), epsilon, convergence.couplingTimes[k - 1][j].value, convergence.momentTimes[k - 1][j].value,
                             convergence.informationTimes?[k - 1][j].value ?? .nan])
            }
        }
        return file
    }

    /// `order fraction t_on_J t_on_m t_on_I`: one data set per onset
    /// fraction `f`, a row per order: the first time order `k` has covered
    /// `f` of its way (`nan` trivial or not measured, `inf` never).
    public static func onsets(_ convergence: OrderConvergence, scenario: String) -> DataFile {
        var file = DataFile(scenario: scenario, columns: ["order", "fraction", "t_on_J", "t_on_m", "t_on_I"], constants: [
            ("stop_time", DataFile.format(convergence.stopTime)),
        ])
        file.comment("t_on_J = inf{t : r_k(t) <= 1 - fraction}, t_on_m the same for d_k, "
                     + "t_on_I for |I_k(p_t) - I_k(p_inf)| / |I_k(p_0) - I_k(p_inf)|; CVODE root finding (first downward crossing)")
        file.comment("nan: trivial order (nothing to learn) or information not measured; inf: never covered that fraction")
        for (j, fraction) in convergence.onsets.enumerated() {
            if j > 0 { file.endDataSet() }
            for k in 1...convergence.reference.spins {
                file.append([Double(k), fraction] + OrderMeasure.allCases.map { convergence.onsetTimes[$0]?[k - 1][j].value ?? .nan })
            }
        }
        return file
    }

    /// `t I_1 .. I_n`: the connected information of the model's distribution
    /// by order at each sample; the target's `I_k(q)` in the header.
    public static func information(_ trajectory: Trajectory, information: [ConnectedInformation],
                                   target: ConnectedInformation, worstMomentMismatch: Double, scenario: String) -> DataFile {
        let n = target.perOrder.count
        var file = DataFile(scenario: scenario, columns: ["t"] + (1...n).map { "I_\($0)" })
        file.comment("I_k(p) = S(p^(k-1)) - S(p^(k)), p^(k) the maximum-entropy distribution with the moments of p up to order k; sum_k I_k = KL(p || uniform)")
        file.comment("target I_k(q), k = 1..n: " + target.perOrder.map(DataFile.format).joined(separator: " "))
        file.comment("p^(k) by damped Newton on ising(k) to max moment mismatch \(DataFile.format(MaximumEntropyProjection.momentTolerance)); "
                     + "worst reached: " + DataFile.format(worstMomentMismatch))
        for (sample, info) in zip(trajectory.samples, information) {
            file.append([sample.time] + info.perOrder)
        }
        return file
    }

    static func trivialNote(_ reference: OrderReference) -> String {
        func list(_ flags: [Bool]) -> String {
            let orders = flags.enumerated().filter(\.element).map { String($0.offset + 1) }
            return orders.isEmpty ? "none" : orders.joined(separator: " ")
        }
        return "trivial orders (couplings): \(list(reference.trivialCouplingOrders)); (moments): \(list(reference.trivialMomentOrders))"
    }
}
