import Yams

/// A node of the scenario's YAML tree and where it sits: its key path and the
/// key that introduced it.
struct ScenarioNode {
    let node: Node
    /// Dotted key path with list indices in brackets: `target.couplings[2].sites`.
    let path: String
    /// The key that introduced the node: the place to point at when the value
    /// is empty, or when a key inside it is missing.
    let keyMark: Mark?

    var isNull: Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// Where a problem with the value is shown: the value itself, or its key
    /// when the value is empty.
    var mark: Mark? { isNull ? keyMark ?? node.mark : node.mark ?? keyMark }

    func child(_ key: String, _ value: Node, keyMark: Mark?) -> ScenarioNode {
        ScenarioNode(node: value, path: Self.path(path, appending: key), keyMark: keyMark)
    }

    func element(_ index: Int, _ value: Node) -> ScenarioNode {
        ScenarioNode(node: value, path: "\(path)[\(index)]", keyMark: value.mark)
    }

    static func path(_ path: String, appending key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        let component = plain ? key : "\"\(key)\""
        return path.isEmpty ? component : "\(path).\(component)"
    }
}

/// The keys and values of one YAML map, in the order written, after
/// duplicated keys have been reported (a duplicated key keeps its last value).
struct ScenarioMap {
    let origin: ScenarioNode
    fileprivate(set) var entries: [(key: String, keyMark: Mark?, value: ScenarioNode)] = []

    subscript(key: String) -> ScenarioNode? {
        entries.first { $0.key == key }?.value
    }

    /// "in `integrator`", or "at the top level".
    var place: String { origin.path.isEmpty ? "at the top level" : "in `\(origin.path)`" }
}

/// Reads values out of the composed tree, checking their types, and collects
/// every problem as a `ScenarioDiagnostic` instead of stopping at the first.
///
/// Each reading method returns `nil` when the value is absent or invalid (and
/// reports the invalid case), so that callers can fall back to a default and
/// go on looking for further problems; the scenario is rejected at the end
/// if anything was reported.
final class ScenarioReader {
    let document: ScenarioDocument
    private(set) var diagnostics: [ScenarioDiagnostic] = []

    init(document: ScenarioDocument) {
        self.document = document
    }

    // MARK: Reporting

    func report(_ message: String, at path: String, _ mark: Mark?) {
        report(message, at: path, position: mark.map(document.position(of:)))
    }

    func report(_ message: String, at path: String, position: SourcePosition?) {
        diagnostics.append(ScenarioDiagnostic(
            keyPath: path, line: position?.line, column: position?.column, message: message))
    }

    func report(_ message: String, about node: ScenarioNode) {
        report(message, at: node.path, node.mark)
    }

    /// Reports `key` missing from `map`, at the key that introduced the map.
    func reportMissing(_ key: String, in map: ScenarioMap, _ explanation: String? = nil) {
        var message = "missing required key `\(key)` \(map.place)"
        if let explanation { message += ": \(explanation)" }
        report(message, at: ScenarioNode.path(map.origin.path, appending: key),
               map.origin.keyMark ?? map.origin.node.mark)
    }

    /// The value of a key that must be present; reports it missing otherwise.
    func required(_ key: String, in map: ScenarioMap, _ explanation: String? = nil) -> ScenarioNode? {
        if let value = map[key] { return value }
        reportMissing(key, in: map, explanation)
        return nil
    }

    /// Reports every key of `map` not in `validKeys`, naming the closest valid
    /// key when it is close. `otherKinds` names, for keys that are valid only
    /// with another `kind`, which kinds take them.
    func rejectUnknownKeys(in map: ScenarioMap, validKeys: [String], kind: String? = nil,
                           otherKinds: [String: [String]] = [:]) {
        let valid = "valid keys: " + validKeys.joined(separator: ", ")
        for entry in map.entries where !validKeys.contains(entry.key) {
            let path = ScenarioNode.path(map.origin.path, appending: entry.key)
            if let kind, let owners = otherKinds[entry.key] {
                let list = owners.map { "`\($0)`" }.joined(separator: ", ")
                report("key `\(entry.key)` does not apply to kind `\(kind)` \(map.place) "
                       + "(it belongs to kind \(list)); \(valid)", at: path, entry.keyMark)
                continue
            }
            var message = "unknown key `\(entry.key)` \(map.place)"
            if let suggestion = closestMatch(to: entry.key, among: validKeys) {
                message += "; did you mean `\(suggestion)`?"
            }
            report("\(message) (\(valid))", at: path, entry.keyMark)
        }
    }

    /// `rejectUnknownKeys` for a block whose valid keys depend on its `kind`:
    /// `common` keys always, plus those listed for `kind`. With no valid
    /// kind, any key of any kind is accepted (the kind itself is reported).
    func rejectUnknownKeys(in map: ScenarioMap, common: [String], keysByKind: [(kind: String, keys: [String])],
                           kind: String?) {
        guard let kind, let own = keysByKind.first(where: { $0.kind == kind })?.keys else {
            var all = common
            for key in keysByKind.flatMap(\.keys) where !all.contains(key) { all.append(key) }
            rejectUnknownKeys(in: map, validKeys: all)
            return
        }
        let valid = common + own
        var otherKinds: [String: [String]] = [:]
        for (other, keys) in keysByKind where other != kind {
            for key in keys where !valid.contains(key) { otherKinds[key, default: []].append(other) }
        }
        rejectUnknownKeys(in: map, validKeys: valid, kind: kind, otherKinds: otherKinds)
    }

    // MARK: Structure

    /// The value as a map of options whose keys are `keys`, every other key
    /// reported: a block such as `integrator` or `fixed_points`.
    func block(_ node: ScenarioNode, keys: [String]) -> ScenarioMap? {
        guard let map = map(node) else { return nil }
        rejectUnknownKeys(in: map, validKeys: keys)
        return map
    }

    /// The required `kind` of a block whose other keys depend on it (`model`,
    /// `target`), one of `keysByKind`'s kinds, named `what` ("model kind")
    /// in reports; the block's keys are checked against `common` and the
    /// kind's own. `nil` if the kind is missing or unknown.
    func kind(in map: ScenarioMap, _ what: String, common: [String],
              keysByKind: [(kind: String, keys: [String])]) -> String? {
        let kindNames = keysByKind.map(\.kind)
        let kind = value(required("kind", in: map, "one of " + kindNames.joined(separator: ", ")),
                         { word($0, what, choices: kindNames) })
        rejectUnknownKeys(in: map, common: common, keysByKind: keysByKind, kind: kind)
        return kind
    }

    /// The value as a map; an empty value counts as an empty map, so that
    /// `trajectory:` with nothing after it asks for the defaults.
    func map(_ node: ScenarioNode) -> ScenarioMap? {
        if node.isNull { return ScenarioMap(origin: node) }
        guard case let .mapping(mapping) = node.node else {
            report("expected a map of keys, got \(describe(node.node))", about: node)
            return nil
        }
        var map = ScenarioMap(origin: node)
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode else {
                report("keys must be plain names, got \(describe(keyNode))", at: node.path, keyNode.mark)
                continue
            }
            let key = document.originalName(ofRenamedKey: keyScalar.string) ?? keyScalar.string
            let child = node.child(key, value, keyMark: keyNode.mark)
            if let earlier = map.entries.firstIndex(where: { $0.key == key }) {
                let first = map.entries[earlier].keyMark.map(document.position(of:))
                    .map { " (first given at line \($0.line), column \($0.column))" } ?? ""
                report("duplicated key `\(key)` \(map.place)\(first); a key may appear only once in a map",
                       at: child.path, keyNode.mark)
                map.entries[earlier] = (key, keyNode.mark, child)
            } else {
                map.entries.append((key, keyNode.mark, child))
            }
        }
        return map
    }

    /// The value as a list of nodes.
    func list(_ node: ScenarioNode) -> [ScenarioNode]? {
        guard case let .sequence(sequence) = node.node else {
            report("expected a list, got \(describe(node.node))", about: node)
            return nil
        }
        return sequence.enumerated().map { node.element($0.offset, $0.element) }
    }

    /// A list of values read by `read`; `nil` if the list or any element is invalid.
    func list<Value>(_ node: ScenarioNode, of read: (ScenarioNode) -> Value?) -> [Value]? {
        guard let elements = list(node) else { return nil }
        let values = elements.map(read)
        return values.contains { $0 == nil } ? nil : values.map { $0! }
    }

    // MARK: Scalars

    /// A finite real number; integers are numbers too.
    func number(_ node: ScenarioNode) -> Double? {
        scalar(node, expected: "a number", parse: { Self.integerValue($0).map(Double.init) ?? Self.realValue($0) }) {
            [".inf", "+.inf", "-.inf", ".nan"].contains($0.lowercased()) ? "expected a finite number, got \($0)" : nil
        }
    }

    /// An integer; `2.0` is refused, because a count written as a real number
    /// is more often a mistake than a convenience.
    func integer(_ node: ScenarioNode) -> Int? {
        scalar(node, expected: "an integer", parse: Self.integerValue) {
            Self.isIntegerLiteral($0) ? "integer \($0) is out of range" : nil
        }
    }

    /// A random-number seed: an integer in 0...2^64-1.
    func seed(_ node: ScenarioNode) -> UInt64? {
        scalar(node, expected: "a seed (a non-negative integer)", parse: { text in
            let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
            return Self.isIntegerLiteral(text) ? UInt64(digits.replacingOccurrences(of: "_", with: "")) : nil
        }) {
            "expected a seed (an integer from 0 to 2^64-1), got \(Self.isIntegerLiteral($0) ? $0 : describe(node.node))"
        }
    }

    /// Any non-empty scalar, as text: `name: 2024` is the name "2024".
    func string(_ node: ScenarioNode) -> String? {
        guard case let .scalar(scalar) = node.node, !node.isNull else {
            report("expected a string, got \(describe(node.node))", about: node)
            return nil
        }
        guard !scalar.string.isEmpty else {
            report("expected a non-empty string", about: node)
            return nil
        }
        return scalar.string
    }

    /// One of a fixed set of words (`log`, `linear`), as named by `what`.
    func word(_ node: ScenarioNode, _ what: String, choices: [String]) -> String? {
        let choiceList = choices.map { "`\($0)`" }.joined(separator: ", ")
        guard case let .scalar(scalar) = node.node, !node.isNull else {
            report("expected \(what), one of \(choiceList); got \(describe(node.node))", about: node)
            return nil
        }
        if choices.contains(scalar.string) { return scalar.string }
        var message = "unknown \(what) `\(scalar.string)`"
        if let suggestion = closestMatch(to: scalar.string, among: choices) {
            message += "; did you mean `\(suggestion)`?"
        }
        report("\(message) (expected one of \(choiceList))", about: node)
        return nil
    }

    /// A case of `Choice`, written as its raw value.
    func choice<Choice: RawRepresentable & CaseIterable>(_ node: ScenarioNode, _ what: String) -> Choice?
    where Choice.RawValue == String {
        word(node, what, choices: Choice.allCases.map(\.rawValue)).flatMap(Choice.init(rawValue:))
    }

    /// A value read by `read` that must also satisfy `rule`, which returns
    /// what is wrong (`"must be positive"`) or `nil`; the report adds what the
    /// user wrote. `nil` if absent, unreadable or refused.
    func value<Value>(_ node: ScenarioNode?, _ read: (ScenarioNode) -> Value?,
                      _ rule: (Value) -> String? = { _ in nil }) -> Value? {
        guard let node, let value = read(node) else { return nil }
        if let problem = rule(value) {
            report("\(problem), got \(describe(node.node))", about: node)
            return nil
        }
        return value
    }

    /// A rule for `value`: positive, else "`subject` must be positive".
    static func positive(_ subject: String? = nil) -> (Double) -> String? {
        let problem = (subject.map { $0 + " " } ?? "") + "must be positive"
        return { $0 > 0 ? nil : problem }
    }

    /// A rule for `value`: at least `minimum`, else "`subject` must be at
    /// least `minimum`".
    static func atLeast(_ minimum: Int, _ subject: String? = nil) -> (Int) -> String? {
        let problem = (subject.map { $0 + " " } ?? "") + "must be at least \(minimum)"
        return { $0 >= minimum ? nil : problem }
    }

    /// A list of distinct integers, each in `range` (which `rangeRule`
    /// explains: "orders run from 1 to spins = 4"); `noun` names one entry.
    func distinctIntegers(_ node: ScenarioNode, noun: String, range: ClosedRange<Int>,
                          rangeRule: String) -> [Int]? {
        guard let elements = list(node) else { return nil }
        var values: [Int] = []
        var valid = true
        for element in elements {
            guard let value = integer(element) else {
                valid = false
                continue
            }
            if !range.contains(value) {
                report("\(noun) \(value) is out of range: \(rangeRule)", about: element)
                valid = false
            } else if values.contains(value) {
                report("\(noun) \(value) is listed twice", about: element)
                valid = false
            }
            values.append(value)
        }
        return valid ? values : nil
    }

    // MARK: Scalar text

    /// A plain scalar read by `parse`. Text that does not parse is reported
    /// as `refusal(text)`, or as "expected `expected`, got ..." when that
    /// has nothing more specific to say.
    private func scalar<Value>(_ node: ScenarioNode, expected: String, parse: (String) -> Value?,
                               refusal: (String) -> String?) -> Value? {
        guard let text = plainScalar(node, expected: expected) else { return nil }
        if let value = parse(text) { return value }
        report(refusal(text) ?? "expected \(expected), got \(describe(node.node))", about: node)
        return nil
    }

    private func plainScalar(_ node: ScenarioNode, expected: String) -> String? {
        guard case let .scalar(scalar) = node.node, !node.isNull,
              scalar.style == .plain || scalar.style == .any else {
            report("expected \(expected), got \(describe(node.node))", about: node)
            return nil
        }
        return scalar.string
    }

    /// How a value looks to the user, for "expected X, got Y".
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a map"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            let quoted = !(scalar.style == .plain || scalar.style == .any)
            if !quoted {
                if ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return "nothing" }
                if Self.isIntegerLiteral(scalar.string) || Self.realValue(scalar.string) != nil {
                    return scalar.string
                }
                if ["true", "false", "yes", "no", "on", "off"].contains(scalar.string.lowercased()) {
                    return "the boolean \(scalar.string)"
                }
            }
            return "the string \"\(scalar.string)\""
        }
    }

    /// A number for a message: `10000` rather than `10000.0`.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private static func isIntegerLiteral(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        return digits.first?.isASCIIDigit == true && digits.last?.isASCIIDigit == true
            && digits.allSatisfy { $0.isASCIIDigit || $0 == "_" }
    }

    /// Decimal integers, with optional sign and `_` between digits.
    static func integerValue(_ text: String) -> Int? {
        guard isIntegerLiteral(text) else { return nil }
        let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        return Int(digits.replacingOccurrences(of: "_", with: ""))
    }

    /// Decimal reals (`0.5`, `1e-3`, `-2.5E+4`), finite only.
    static func realValue(_ text: String) -> Double? {
        guard text.first.map({ $0.isASCIIDigit || "+-.".contains($0) }) == true,
              text.allSatisfy({ $0.isASCIIDigit || "+-.eE_".contains($0) }),
              text.contains(where: \.isASCIIDigit),
              let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            return nil
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
