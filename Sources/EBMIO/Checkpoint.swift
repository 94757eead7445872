import EBMAnalysis
import Foundation

/// A run stopped by SIGINT/SIGTERM after saving what it had finished.
public struct RunInterrupted: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What an interrupted basin map had finished: the outcome of every
/// completed grid row, with doubles stored as their bit patterns so that a
/// resumed run labels exactly the same numbers. Written atomically to
/// `.checkpoint-basins.json` in the output folder; removed when the map is done.
struct BasinCheckpoint: Codable {
    static let fileName = ".checkpoint-basins.json"

    struct Cell: Codable {
        let kind: String
        let time: UInt64?
        let state: [UInt64]?
        let reason: String?
    }

    let version: String
    let scenarioHash: String
    let grid: [Int]
    var rows: [Int: [Cell]]

    static func cells(_ row: [BasinOutcome]) -> [Cell] {
        row.map { outcome in
            switch outcome {
            case let .converged(state, time):
                return Cell(kind: "converged", time: time.bitPattern, state: state.map(\.bitPattern), reason: nil)
            case let .unconverged(state):
                return Cell(kind: "unconverged", time: nil, state: state.map(\.bitPattern), reason: nil)
            case let .escaped(state):
                return Cell(kind: "escaped", time: nil, state: state.map(\.bitPattern), reason: nil)
            case let .failed(reason):
                return Cell(kind: "failed", time: nil, state: nil, reason: reason)
            }
        }
    }

    func outcomes() throws -> [Int: [BasinOutcome]] {
        try rows.mapValues { row in
            try row.map { cell in
                let state = (cell.state ?? []).map(Double.init(bitPattern:))
                switch cell.kind {
                case "converged": return .converged(state: state, time: Double(bitPattern: cell.time ?? 0))
                case "unconverged": return .unconverged(state: state)
                case "escaped": return .escaped(state: state)
                case "failed": return .failed(reason: cell.reason ?? "")
                default: throw RunInterrupted(message: "the basin checkpoint holds an unknown outcome `\(cell.kind)`")
                }
            }
        }
    }

    static func path(in folder: String) -> String { (folder as NSString).appendingPathComponent(fileName) }

    func write(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: Self.path(in: folder))
    }

    static func load(from folder: String) throws -> BasinCheckpoint? {
        let path = path(in: folder)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(BasinCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw RunInterrupted(message: "cannot read the checkpoint \(path) (\(error)); remove it or run with --force to start again")
        }
    }
}
