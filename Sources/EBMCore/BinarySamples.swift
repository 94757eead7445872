/// A data file of binary samples that cannot be read, naming file, line and column.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}

/// Binary samples, one per line: `0/1` or `-1/+1` values separated by
/// whitespace or commas; `#` starts a comment; blank lines are skipped.
/// In `0/1` files the value is the state's bit (0 ↔ spin +1); in `±1` files
/// it is the spin. A file uses one convention throughout.
public enum BinarySamples {
    /// The states `x` of the samples, using only `columns` (default all, in
    /// file order); variable `i` is the `i`-th selected column.
    public static func parse(_ text: String, file: String, columns: [Int]? = nil) throws -> (spins: Int, states: [Int]) {
        enum Convention { case bits, spins }
        var convention: Convention?
        var conventionLine = 0
        var width: Int?
        var rows: [[Int]] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var tokens: [(text: Substring, column: Int)] = []
            var start: String.Index?
            var column = 1, tokenColumn = 1
            for index in content.indices {
                let c = content[index]
                let separator = c == " " || c == "\t" || c == "," || c == "\r"
                if separator {
                    if let s = start { tokens.append((content[s..<index], tokenColumn)); start = nil }
                } else if start == nil {
                    start = index
                    tokenColumn = column
                }
                column += 1
            }
            if let s = start { tokens.append((content[s...], tokenColumn)) }
            if tokens.isEmpty { continue }
            if let w = width, tokens.count != w {
                throw DataFileError(file: file, line: lineNumber, column: nil,
                                    message: "this sample has \(tokens.count) values, the first sample had \(w); every line must have the same width")
            }
            width = tokens.count
            var values: [Int] = []
            for token in tokens {
                let value: Int
                let kind: Convention?
                switch token.text {
                case "0": value = 0; kind = .bits
                case "1": value = 1; kind = nil
                case "-1": value = -1; kind = .spins
                case "+1": value = 1; kind = .spins
                default:
                    throw DataFileError(file: file, line: lineNumber, column: token.column,
                                        message: "`\(token.text)` is not a binary value; use 0/1 or -1/+1")
                }
                if let kind {
                    if let c = convention, c != kind {
                        throw DataFileError(file: file, line: lineNumber, column: token.column,
                                            message: "`\(token.text)` mixes the 0/1 and -1/+1 conventions (line \(conventionLine) set the other one)")
                    }
                    if convention == nil { convention = kind; conventionLine = lineNumber }
                }
                values.append(value)
            }
            // Encoded once the whole file has fixed the convention.
            rows.append(values)
        }
        guard let w = width, !rows.isEmpty else {
            throw DataFileError(file: file, line: nil, column: nil, message: "the file has no samples")
        }
        let selected = columns ?? Array(0..<w)
        if let bad = selected.first(where: { $0 < 0 || $0 >= w }) {
            throw DataFileError(file: file, line: nil, column: nil,
                                message: "column \(bad) does not exist: the samples have \(w) columns (0..<\(w))")
        }
        guard !selected.isEmpty && selected.count <= Walsh.maximumSpins else {
            throw DataFileError(file: file, line: nil, column: nil,
                                message: "\(selected.count) variables selected; choose 1...\(Walsh.maximumSpins) columns")
        }
        let isSpin = convention == .spins
        let result = rows.map { values -> Int in
            var x = 0
            for (i, c) in selected.enumerated() {
                let bit = isSpin ? (values[c] == 1 ? 0 : 1) : values[c]
                x |= bit << i
            }
            return x
        }
        return (selected.count, result)
    }
}
