/// One problem found in a scenario: where it is (the key path and the
/// position in the file) and what is wrong.
///
/// `keyPath` names the key the problem is about, in dotted form with list
/// indices in brackets (`target.couplings[2].sites[0]`); it is empty for
/// problems that belong to no key, such as a YAML syntax error. `line` and
/// `column` count from 1, as editors do; they are `nil` only when the problem
/// has no place in the text (the file could not be read).
public struct ScenarioDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var keyPath: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(keyPath: String, line: Int?, column: Int?, message: String) {
        self.keyPath = keyPath
        self.line = line
        self.column = column
        self.message = message
    }

    /// `keyPath: message`, without the file and position.
    public var description: String {
        keyPath.isEmpty ? message : "\(keyPath): \(message)"
    }

    /// The diagnostic as a compiler prints it: `file:line:column: keyPath: message`.
    public func formatted(fileName: String) -> String {
        var position = fileName
        if let line {
            position += ":\(line)"
            if let column { position += ":\(column)" }
        }
        return "\(position): \(description)"
    }
}

/// Every problem found in one scenario, reported together so that a user can
/// fix them in one pass. Thrown by `Scenario.parse(yaml:fileName:baseDirectory:)`
/// and `Scenario.load(contentsOf:)`.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name the scenario text came from, as it prefixes each message.
    public var fileName: String
    /// In order of position in the file.
    public var diagnostics: [ScenarioDiagnostic]

    public init(fileName: String, diagnostics: [ScenarioDiagnostic]) {
        self.fileName = fileName
        self.diagnostics = diagnostics
    }

    /// One line per diagnostic: `scenario.yaml:12:5: target.scale: expected 4 numbers ...`.
    public var description: String {
        diagnostics.map { $0.formatted(fileName: fileName) }.joined(separator: "\n")
    }
}
