import EBMCore
import Foundation

/// A gnuplot-ready data file: `#` header lines (version, scenario, column
/// names, constants), then whitespace-separated columns. A blank line starts
/// a new block, two blank lines a new data set (gnuplot `index`). Numbers
/// are written `%.17g`, so that re-reading them gives the same doubles.
public struct DataFile {
    public let columns: [String]
    private var headerLines: [String]
    private var body: [String] = []

    public init(scenario: String, columns: [String], constants: [(String, String)] = []) {
        self.columns = columns
        headerLines = ["# ebmflow \(EBMFlowVersion.current)", "# scenario: \(scenario)"]
        headerLines += constants.map { "# \($0.0): \($0.1)" }
        headerLines.append("# columns: " + columns.joined(separator: " "))
    }

    public mutating func comment(_ text: String) {
        precondition(body.isEmpty, "comments belong in the header")
        headerLines.insert("# " + text, at: headerLines.count - 1)
    }

    public mutating func append(_ values: [Double]) {
        precondition(values.count == columns.count, "row has \(values.count) values for \(columns.count) columns")
        body.append(values.map(Self.format).joined(separator: " "))
    }

    /// A row with text cells (e.g. `kind`); numbers are formatted by the caller with `format`.
    public mutating func append(cells: [String]) {
        precondition(cells.count == columns.count, "row has \(cells.count) cells for \(columns.count) columns")
        body.append(cells.joined(separator: " "))
    }

    public mutating func endBlock() { body.append("") }
    public mutating func endDataSet() { body.append(""); body.append("") }

    public var text: String { (headerLines + body).joined(separator: "\n") + "\n" }

    public func write(to path: String) throws { try AtomicFile.write(text, to: path) }

    /// `%.17g`: 17 significant digits, which re-read to the same double.
    /// `SeventeenDigits` writes the C library's bytes exactly for the
    /// magnitudes data files hold (1e-16 to 1e38) at a fraction of
    /// `printf`'s cost (a continuation's branches are hundreds of
    /// thousands of rows); the rest the C library formats into a buffer on
    /// the stack. The program never sets a locale, so the decimal point is
    /// `.`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if let text = SeventeenDigits.format(value) { return text }
        // At most 24 characters: a sign, 17 digits, the point and `e-308`.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let count = withVaList([value]) { vsnprintf(buffer.baseAddress, 32, "%.17g", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(count)), as: UTF8.self)
        }
    }
}
