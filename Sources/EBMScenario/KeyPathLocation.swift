import Yams

/// Where a key path of a valid scenario (`analyses.basins.plane.x`,
/// `target.couplings[2].sites`, `"a.b"` for a key with a dot) sits in its
/// text: for errors found after parsing (an unknown or frozen parameter
/// named by a plane, a model too large for memory), which carry a key path
/// but no place. The deepest node of the path that exists is shown. The
/// text is composed once for any number of key paths.
public struct KeyPathLocation {
    private let document: ScenarioDocument

    public init(text: String) {
        document = ScenarioDocument(text: text)
    }

    /// The line and column (from 1) of `keyPath`'s value in the text, or of
    /// the deepest part of the path that exists; nil when not even the
    /// first key does, or the text does not compose.
    public func position(of keyPath: String) -> (line: Int, column: Int)? {
        guard var node = document.root else { return nil }
        var found: Mark?
        for step in Self.steps(keyPath) {
            let next: Node?
            switch step {
            case let .key(key): next = node.mapping?[key]
            case let .index(index): next = node.sequence.flatMap { index < $0.count ? $0[index] : nil }
            }
            guard let next else { break }
            node = next
            found = next.mark ?? found
        }
        return found.map { document.position(of: $0) }.map { ($0.line, $0.column) }
    }

    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    /// The steps of a key path as `ScenarioNode.path` writes them.
    static func steps(_ keyPath: String) -> [Step] {
        var steps: [Step] = []
        var characters = keyPath[...]
        while !characters.isEmpty {
            if characters.first == "." { characters = characters.dropFirst(); continue }
            if characters.first == "[" {
                let digits = characters.dropFirst().prefix { $0.isNumber }
                if let index = Int(digits) { steps.append(.index(index)) }
                characters = characters.dropFirst(digits.count + 1).drop { $0 == "]" }
            } else if characters.first == "\"" {
                let key = characters.dropFirst().prefix { $0 != "\"" }
                steps.append(.key(String(key)))
                characters = characters.dropFirst(key.count + 2)
            } else {
                let key = characters.prefix { $0 != "." && $0 != "[" }
                steps.append(.key(String(key)))
                characters = characters.dropFirst(key.count)
            }
        }
        return steps
    }
}
