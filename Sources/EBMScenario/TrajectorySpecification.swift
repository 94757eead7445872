/// The `trajectory` analysis: `θ(t)`, `L` and `|∇L|` sampled from CVODE's
/// dense output at `samples` times up to the integrator's `t_end`.
public struct TrajectorySpecification: Sendable, Equatable {
    public enum Spacing: String, Sendable, Equatable, CaseIterable {
        /// From `t_min` to `t_end`, evenly in `log t` (plus `t = 0`): learning
        /// happens on every time scale.
        case logarithmic = "log"
        /// From 0 to `t_end`, evenly in `t`.
        case linear
    }

    /// At least 2.
    public var samples: Int
    public var spacing: Spacing
    /// `t_min`: the first positive sample time of logarithmic spacing;
    /// positive and below `t_end`.
    public var minimumTime: Double

    public init(samples: Int = 400, spacing: Spacing = .logarithmic, minimumTime: Double = 1e-3) {
        self.samples = samples
        self.spacing = spacing
        self.minimumTime = minimumTime
    }
}

extension TrajectorySpecification {
    static func decode(_ node: ScenarioNode, endTime: Double, reader: ScenarioReader) -> TrajectorySpecification {
        let defaults = TrajectorySpecification()
        guard let map = reader.block(node, keys: ["samples", "spacing", "t_min"]) else { return defaults }
        let spacing: Spacing = reader.value(map["spacing"]) { reader.choice($0, "spacing") } ?? defaults.spacing
        let minimumTime = reader.value(map["t_min"], reader.number) {
            if $0 <= 0 { return "t_min must be positive" }
            if spacing == .logarithmic && $0 >= endTime {
                return "with log spacing t_min must be below the integrator's t_end = \(ScenarioReader.format(endTime))"
            }
            return nil
        }
        if map["t_min"] == nil, spacing == .logarithmic, defaults.minimumTime >= endTime {
            let minimumTime = ScenarioReader.format(defaults.minimumTime)
            reader.report("with log spacing the default t_min = \(minimumTime) must be below the integrator's "
                          + "t_end = \(ScenarioReader.format(endTime)): set a smaller t_min", about: node)
        }
        return TrajectorySpecification(
            samples: reader.value(map["samples"], reader.integer, ScenarioReader.atLeast(2, "samples")) ?? defaults.samples,
            spacing: spacing,
            minimumTime: minimumTime ?? defaults.minimumTime)
    }
}
