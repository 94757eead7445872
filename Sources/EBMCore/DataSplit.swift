/// A held-out split of a data set: a fraction `holdout` of the samples,
/// chosen by a Fisher–Yates shuffle of the sample indices from `seed`, is
/// kept out of the target; the model is scored on it by the average
/// log-likelihood `(1/N_test) Σ_{x ∈ test} log p_θ(x)`.
///
/// The split depends only on the number of samples, `holdout` and `seed`
/// (`round(holdout N)` test samples, at least one on each side), so it is
/// the same on every machine.
public struct DataSplit: Sendable, Equatable {
    /// States of the samples the target is built from, in file order.
    public let training: [Int]
    /// States of the held-out samples, in file order.
    public let test: [Int]
    /// File positions (0-based, ascending) of the held-out samples.
    public let testIndices: [Int]

    public init(samples: [Int], holdout: Double, seed: UInt64) throws {
        guard holdout > 0 && holdout < 1 else {
            throw TargetError("holdout must be strictly between 0 and 1, got \(holdout)")
        }
        let count = samples.count
        let testCount = Int((holdout * Double(count)).rounded())
        guard testCount >= 1 && testCount <= count - 1 else {
            throw TargetError("holdout \(holdout) of \(count) samples leaves \(testCount) held out and \(count - testCount) to learn from; each side needs at least one sample")
        }
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: seed)
        // Fisher–Yates with an explicit bounded draw, independent of the
        // standard library's shuffle algorithm.
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        var isTest = [Bool](repeating: false, count: count)
        for k in order.prefix(testCount) { isTest[k] = true }
        testIndices = (0..<count).filter { isTest[$0] }
        test = testIndices.map { samples[$0] }
        training = (0..<count).filter { !isTest[$0] }.map { samples[$0] }
    }

    /// `(1/|S|) Σ_{x ∈ S} log p(x)` over the samples `states`.
    public static func averageLogLikelihood(of states: [Int], logProbabilities: [Double]) -> Double {
        precondition(!states.isEmpty, "no samples to score")
        var sum = 0.0
        for x in states { sum += logProbabilities[x] }
        return sum / Double(states.count)
    }
}
