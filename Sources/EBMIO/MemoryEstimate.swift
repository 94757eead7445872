import EBMAnalysis
import EBMCore
import EBMScenario
import Foundation

/// Memory a run needs, estimated before anything large is allocated, so
/// that a scenario too large for the machine is refused with numbers
/// instead of being killed.
public struct MemoryEstimate {
    public let bytes: Double
    public let spins: Int

    /// From the scenario alone, so that it can refuse before the target or
    /// the model (each `O(2^n)`) is built.
    public init(spins: Int, model: ModelSpecification, analyses: AnalysesSpecification) {
        let states = Double(1 << spins)
        var p = 0.0
        var doubles = 10 * states                      // target (q, log q, J*, m) and p, log p, residual
        switch model.kind {
        case let .ising(order):
            for j in 1...max(1, order) { p += Self.binomial(spins, j) }
            doubles += 3 * states                      // transform buffers
        case let .rbm(hidden, _):
            p = Double(spins + hidden + spins * hidden)
            doubles += states * Double(spins + 4 * hidden)  // features, u, φ', φ'', Z
        case let .mlp(layers, _):
            p = Double(zip([spins] + layers, layers).map { ($0 + 1) * $1 }.reduce(0, +) + (layers.last ?? 0) + 1)
            doubles += states * Double(4 * layers.reduce(0, +))
            // direction-stacked tangents of the dense curvature, a chunk at a time
            doubles += min(p * states * Double(layers.reduce(0, +)), Double(1 << 21)) * Double(2 * layers.count + 4)
        }
        doubles += 30 * p                              // CVODE vectors and history
        if Int(p) <= LinearSolverSelection.denseLimit {
            doubles += p * states + 3 * p * p          // energy gradients and dense Hessians
        }
        if analyses.trajectory != nil { doubles += 2 * states }
        bytes = 8 * doubles
        self.spins = spins
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        var c = 1.0
        for i in 0..<k { c = c * Double(n - i) / Double(i + 1) }
        return c
    }

    /// Available memory from /proc/meminfo (Linux), nil where unknown.
    public static var availableBytes: Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Double(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    public static func formatted(_ bytes: Double) -> String {
        if bytes >= Double(1 << 30) { return String(format: "%.1f GiB", bytes / Double(1 << 30)) }
        if bytes >= Double(1 << 20) { return String(format: "%.1f MiB", bytes / Double(1 << 20)) }
        return String(format: "%.0f KiB", bytes / 1024)
    }

    public func check() throws {
        guard let available = Self.availableBytes, bytes > 0.8 * available else { return }
        throw ResolutionError(
            keyPath: "spins",
            message: "\(spins) spins need about \(Self.formatted(bytes)) (2^\(spins) states evaluated together), but only \(Self.formatted(available)) is available; use fewer spins or a smaller model")
    }
}
