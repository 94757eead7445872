import Foundation
import Yams

/// The scenario text composed into a YAML node tree, with every mark mapped
/// back to the text as the user wrote it.
///
/// libYAML (through `Yams.compose`) stops at the first duplicated key in a map
/// and reports only the first occurrence. To report duplicates together with
/// every other problem, and at the later occurrence where the user will look,
/// the first occurrence is renamed by prefixing a marker and the text is
/// composed again, until no duplicate is left. The markers shift columns on
/// their line; `position(of:)` undoes the shift, so every diagnostic points
/// into the original text.
struct ScenarioDocument {
    /// `nil` when the text is empty or could not be composed.
    private(set) var root: Node?
    /// Syntax errors; when there is one, `root` is `nil`.
    private(set) var syntaxErrors: [ScenarioDiagnostic] = []
    /// The original name of each renamed key, by marker.
    private var renamedKeys: [String: String] = [:]
    /// Marker insertions, in the order they were made.
    private var insertions: [(line: Int, column: Int, length: Int)] = []

    private static let markerPrefix = "__ebmflow_duplicate_"
    private static let markerSuffix = "__"
    /// Bounds the rename-and-recompose loop; far above any real scenario.
    private static let maximumRenames = 1000

    init(text: String) {
        var composedText = text
        while true {
            do {
                root = try Yams.compose(yaml: composedText)
                return
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let name = duplicates.first ?? ""
                let marker = Self.markerPrefix + String(renamedKeys.count) + Self.markerSuffix
                guard renamedKeys.count < Self.maximumRenames,
                      let renamed = Self.inserting(marker, into: composedText, at: context.mark) else {
                    let position = self.position(of: context.mark)
                    syntaxErrors.append(ScenarioDiagnostic(
                        keyPath: "", line: position.line, column: position.column,
                        message: "duplicated key `\(name)`; a key may appear only once in a map"))
                    return
                }
                composedText = renamed
                renamedKeys[marker] = name
                insertions.append((context.mark.line, context.mark.column, marker.unicodeScalars.count))
            } catch let error as YamlError {
                syntaxErrors.append(diagnostic(for: error, in: composedText))
                return
            } catch {
                syntaxErrors.append(ScenarioDiagnostic(
                    keyPath: "", line: nil, column: nil, message: "cannot read the YAML: \(error)"))
                return
            }
        }
    }

    /// For a key renamed as an earlier duplicate, the name the user wrote.
    func originalName(ofRenamedKey key: String) -> String? {
        guard key.hasPrefix(Self.markerPrefix),
              let end = key.dropFirst(Self.markerPrefix.count).range(of: Self.markerSuffix)?.upperBound else {
            return nil
        }
        return renamedKeys[String(key[..<end])]
    }

    /// The line and column of `mark` in the text as the user wrote it.
    func position(of mark: Mark) -> SourcePosition {
        var column = mark.column
        for insertion in insertions.reversed() where insertion.line == mark.line && column >= insertion.column {
            column = max(insertion.column, column - insertion.length)
        }
        return SourcePosition(line: mark.line, column: column)
    }

    private func diagnostic(for error: YamlError, in text: String) -> ScenarioDiagnostic {
        func located(_ problem: String, _ context: YamlError.Context?, _ place: SourcePosition) -> ScenarioDiagnostic {
            var message = "YAML syntax error: \(problem)"
            if let context {
                let contextPosition = self.position(of: context.mark)
                message += " (\(context.text) at line \(contextPosition.line), column \(contextPosition.column))"
            }
            return ScenarioDiagnostic(keyPath: "", line: place.line, column: place.column, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(problem, context, position(of: mark))
        case let .reader(problem, offset, _, _):
            let start = SourcePosition(line: 1, column: 1)
            return located(problem, nil, offset.map { Self.position(ofCharacterOffset: $0, in: text) } ?? start)
        default:
            return ScenarioDiagnostic(keyPath: "", line: nil, column: nil, message: "cannot read the YAML: \(error)")
        }
    }

    /// `text` with `marker` inserted at `mark` (line and column from 1,
    /// columns in Unicode scalars, as libYAML counts them).
    private static func inserting(_ marker: String, into text: String, at mark: Mark) -> String? {
        var scalars = Array(text.unicodeScalars)
        var line = 1
        var index = 0
        while line < mark.line, index < scalars.count {
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }
        index += mark.column - 1
        guard line == mark.line, mark.column >= 1, index <= scalars.count else { return nil }
        scalars.insert(contentsOf: marker.unicodeScalars, at: index)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    private static func position(ofCharacterOffset offset: Int, in text: String) -> SourcePosition {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }
}

/// A place in the scenario text; line and column count from 1.
struct SourcePosition: Equatable {
    var line: Int
    var column: Int
}
