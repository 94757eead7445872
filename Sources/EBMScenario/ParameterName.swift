/// The written forms of model parameter names (docs/scenarios.md), checked for
/// syntax only: whether a parameter of that name exists depends on the model
/// and is checked where the model is built.
///
/// Forms, indices from 0 without leading zeros and without spaces:
/// `a[i]`, `b[mu]`, `W[mu,i]` (rbm); `J{i,j,...}` (ising, sites strictly
/// ascending); `W1[j,i]`, `b1[j]`, ..., `w[j]`, `c` (mlp).
enum ParameterName {
    static let forms = "a[i], b[mu], W[mu,i] (rbm); J{i,j,...} with sites ascending (ising); "
        + "W1[j,i], b1[j], w[j], c (mlp)"

    /// What is wrong with `name`, or `nil` if it is well formed.
    static func problem(with name: String) -> String? {
        let general = "`\(name)` is not a parameter name; names are written \(forms), with indices from 0 and no spaces"
        if name == "c" { return nil }
        if name.hasPrefix("J{") {
            guard name.hasSuffix("}"), let sites = indices(name.dropFirst(2).dropLast()) else { return general }
            return sitesProblem(sites, in: name)
        }
        guard let open = name.firstIndex(of: "["), name.hasSuffix("]"),
              let values = indices(name[name.index(after: open)..<name.index(before: name.endIndex)]),
              let arity = arity(ofPrefix: name[..<open]) else {
            return general
        }
        guard values.count == arity else {
            let prefix = name[..<open]
            let indices = values.count == 1 ? "index" : "indices"
            return "`\(name)` has \(values.count) \(indices); `\(prefix)` takes \(arity)"
        }
        return nil
    }

    /// The sites of a target or model coupling written `J{i,j,...}`, or `nil`
    /// if `name` is not of that form (whatever else is wrong with it).
    static func couplingSites(_ name: String) -> [Int]? {
        guard name.hasPrefix("J{"), name.hasSuffix("}") else { return nil }
        return indices(name.dropFirst(2).dropLast())
    }

    static func sitesProblem(_ sites: [Int], in name: String) -> String? {
        if sites.isEmpty { return "`\(name)` names no sites; a coupling acts on at least one" }
        if zip(sites, sites.dropFirst()).contains(where: { $0 >= $1 }) {
            let canonical = "J{" + Set(sites).sorted().map(String.init).joined(separator: ",") + "}"
            return "sites in `\(name)` must be strictly ascending (each once): write `\(canonical)`"
        }
        return nil
    }

    /// Number of indices a bracketed name takes: `a`, `b`, `w`, `bK` one;
    /// `W`, `WK` two (K >= 1).
    private static func arity(ofPrefix prefix: Substring) -> Int? {
        switch prefix {
        case "a", "b", "w": return 1
        case "W": return 2
        default:
            guard let letter = prefix.first, letter == "W" || letter == "b",
                  isIndex(prefix.dropFirst()), prefix.dropFirst() != "0" else { return nil }
            return letter == "W" ? 2 : 1
        }
    }

    /// Comma-separated indices; an empty list for empty text.
    private static func indices(_ text: Substring) -> [Int]? {
        if text.isEmpty { return [] }
        var values: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard isIndex(part), let value = Int(part) else { return nil }
            values.append(value)
        }
        return values
    }

    private static func isIndex(_ text: Substring) -> Bool {
        guard let first = text.first, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return first != "0" || text.count == 1
    }
}

extension ScenarioReader {
    /// A well-formed parameter name.
    func parameterName(_ node: ScenarioNode) -> String? {
        guard let name = string(node) else { return nil }
        if let problem = ParameterName.problem(with: name) {
            report(problem, about: node)
            return nil
        }
        return name
    }
}
