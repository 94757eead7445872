import EBMCore

/// Fixed points of a narrower model lifted into a wider one.
///
/// Give the extra hidden units zero weights in and out (`W_μ· = 0` for an
/// rbm; `W1[j,·] = 0` and `w[j] = 0` for an mlp layer) and any bias: they
/// add a constant to the energy, so `p_θ` is the narrow model's. Their
/// gradient is `φ(b_μ)(m(p_θ) - m(q))` (rbm: `tanh(b_μ)` times the first
/// moments' mismatch; mlp: the mismatch of the unit's constant activation,
/// zero), and every fixed point matches the first moments (the visible
/// biases are free), so it vanishes; the narrow units' gradients are the
/// narrow model's. A fixed point of the narrow model is therefore one of the
/// wide model — a non-isolated set along the idle biases, whose inertia
/// changes with them (at bias 0 an idle unit's weights are unstable
/// directions where the narrow point's mismatch of second moments allows).
public enum Lifts {
    /// The idle biases tried: 0 and a saturated value.
    public static let idleBiases = [0.0, 4.0]

    /// The same family with fewer hidden units in one layer, narrowest
    /// first: rbm(h') for h' < h; for an mlp, each layer narrowed in turn.
    public static func narrowerModels(of model: any EnergyModel) -> [any EnergyModel] {
        switch model {
        case let rbm as RestrictedBoltzmannMachine:
            return (1..<max(1, rbm.hidden)).map { RestrictedBoltzmannMachine(spins: rbm.spins, hidden: $0, units: rbm.units) }
        case let mlp as MultilayerPerceptron:
            return mlp.widths.indices.flatMap { l in
                (1..<max(1, mlp.widths[l])).map { width -> any EnergyModel in
                    var widths = mlp.widths
                    widths[l] = width
                    return MultilayerPerceptron(spins: mlp.spins, widths: widths, activation: mlp.activation)
                }
            }
        default:
            return []
        }
    }

    /// θ' of `narrow` as parameters of `wide`: by name, the idle units' at
    /// zero but their hidden biases at `idleBias`.
    public static func lift(_ theta: [Double], from narrow: any EnergyModel, into wide: any EnergyModel,
                            idleBias: Double) -> [Double] {
        var byName: [String: Double] = [:]
        for (name, value) in zip(narrow.parameterNames, theta) { byName[name] = value }
        return wide.parameterNames.map { name in byName[name] ?? (isHiddenBias(name) ? idleBias : 0) }
    }

    /// `b[μ]` (rbm), `bℓ[j]` (mlp).
    static func isHiddenBias(_ name: String) -> Bool {
        name.hasPrefix("b") && name.hasSuffix("]")
    }
}
