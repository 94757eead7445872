import EBMAnalysis
import EBMCore
import EBMLinearAlgebra

/// `trajectory.dat` and `couplings.dat` (docs/output-files.md).
public enum TrajectoryFiles {
    /// Largest number of parameters written as columns; larger models get
    /// per-order norms instead.
    public static let parameterColumnLimit = 256
    /// Largest number of effective couplings written as columns.
    public static let couplingColumnLimit = 1023

    /// `t KL grad_norm <parameter names>` (or `norm_a norm_b norm_W`-style
    /// per-block norms when P > 256); with a held-out split, then
    /// `test_loglik train_loglik`: the average `log p_θ(x)` over the held-out
    /// and over the training samples.
    public static func trajectory(_ trajectory: Trajectory, model: any EnergyModel, scenario: String,
                                  split: DataSplit? = nil) -> DataFile {
        let names = model.parameterNames
        let wide = names.count <= parameterColumnLimit
        let blocks = parameterBlocks(names)
        let columns = ["t", "KL", "grad_norm"] + (wide ? names : blocks.map { "norm_" + $0.name })
            + (split == nil ? [] : ["test_loglik", "train_loglik"])
        var constants = [
            ("model", model.description),
            ("stop_reason", trajectory.stopReason.rawValue),
            ("stop_time", DataFile.format(trajectory.stopTime)),
        ]
        if let split { constants += [("test_samples", String(split.test.count)), ("train_samples", String(split.training.count))] }
        var file = DataFile(scenario: scenario, columns: columns, constants: constants)
        if !wide { file.comment("P = \(names.count) > \(parameterColumnLimit): parameter columns replaced by the norm of each block") }
        let likelihoods = split.map { heldOutLikelihoods(trajectory, model: model, split: $0) }
        for (k, sample) in trajectory.samples.enumerated() {
            let values = wide ? sample.parameters : blocks.map { block in Vector.norm(block.indices.map { sample.parameters[$0] }) }
            let scores = likelihoods.map { [$0[k].test, $0[k].training] } ?? []
            file.append([sample.time, sample.loss, sample.gradientNorm] + values + scores)
        }
        return file
    }

    /// Average log-likelihood of the held-out and of the training samples at
    /// every sample of the trajectory.
    public static func heldOutLikelihoods(_ trajectory: Trajectory, model: any EnergyModel,
                                          split: DataSplit) -> [(test: Double, training: Double)] {
        trajectory.samples.map { sample in
            let logp = Distribution.boltzmann(energies: model.evaluate(sample.parameters).energies).logProbabilities
            return (DataSplit.averageLogLikelihood(of: split.test, logProbabilities: logp),
                    DataSplit.averageLogLikelihood(of: split.training, logProbabilities: logp))
        }
    }

    /// `t` then every effective coupling `J{...}` in canonical order (or the
    /// per-order norms `|J^(k)|` when there are more than 1023).
    public static func couplings(_ trajectory: Trajectory, target: Target, scenario: String) -> DataFile {
        let interactions = Walsh.allInteractions(spins: target.spins)
        let wide = interactions.count <= couplingColumnLimit
        let orders = Array(1...target.spins)
        let columns = ["t"] + (wide ? interactions.map(Walsh.couplingName) : orders.map { "norm_J\($0)" })
        var file = DataFile(scenario: scenario, columns: columns)
        file.comment("effective couplings of the model, J = 2^-n H log p_theta, interactions ordered by order then sites")
        let targetCouplings = Walsh.canonicalOrder(target.couplings)
        if wide {
            file.comment("target J*: " + targetCouplings.map(DataFile.format).joined(separator: " "))
        } else {
            file.comment("2^n - 1 = \(interactions.count) couplings: columns are the norms |J^(k)| of each order k")
        }
        for sample in trajectory.samples {
            if wide {
                file.append([sample.time] + sample.couplings)
            } else {
                var norms = [Double](repeating: 0, count: target.spins)
                for (r, a) in interactions.enumerated() { norms[Walsh.order(a) - 1] += sample.couplings[r] * sample.couplings[r] }
                file.append([sample.time] + norms.map { $0.squareRoot() })
            }
        }
        return file
    }

    /// Parameters grouped by the name before the bracket (`a`, `b`, `W`, `J` by order).
    static func parameterBlocks(_ names: [String]) -> [(name: String, indices: [Int])] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (j, name) in names.enumerated() {
            var key = String(name.prefix { $0 != "[" && $0 != "{" })
            if key == "J" { key = "J\(name.filter { $0 == "," }.count + 1)" }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(j)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
