import Foundation

/// Rows of 64-bit words, all of one width, kept in a checkpoint as the
/// base64 text of their little-endian bytes. A long continuation's points
/// as JSON arrays of numbers took the encoder seconds per hundred thousand
/// points, during which the run could not be stopped; packed, they take
/// milliseconds, and the words (doubles' bit patterns) come back exactly.
struct PackedWords: Codable, Sendable, Equatable {
    let count: Int
    let width: Int
    let words: String

    /// Nil when the rows are not all of one width.
    init?(_ rows: [[UInt64]]) {
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else { return nil }
        var flat: [UInt64] = []
        flat.reserveCapacity(rows.count * width)
        for row in rows {
            for word in row { flat.append(word.littleEndian) }
        }
        count = rows.count
        self.width = width
        words = flat.withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    func rows() throws -> [[UInt64]] {
        guard count >= 0, width >= 0, let data = Data(base64Encoded: words), data.count == count * width * 8 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "packed words: \(count) rows of \(width) words expected"))
        }
        var flat = [UInt64](repeating: 0, count: count * width)
        flat.withUnsafeMutableBytes { _ = data.copyBytes(to: $0) }
        return (0..<count).map { r in flat[(r * width)..<((r + 1) * width)].map(UInt64.init(littleEndian:)) }
    }
}

extension ContinuationRecord {
    /// A branch's points packed: per point its λ, KL, index, neutral count,
    /// kind (an index into `kinds`) and parameters.
    struct PackedPoints: Codable, Sendable {
        let kinds: [String]
        let rows: PackedWords

        init?(_ points: [PointRecord]) {
            var kinds: [String] = []
            var rows: [[UInt64]] = []
            rows.reserveCapacity(points.count)
            for point in points {
                let kind = kinds.firstIndex(of: point.kind) ?? { kinds.append(point.kind); return kinds.count - 1 }()
                rows.append([point.lambda, point.loss, UInt64(bitPattern: Int64(point.index)), UInt64(bitPattern: Int64(point.neutral)),
                             UInt64(kind)] + point.parameters)
            }
            guard let packed = PackedWords(rows) else { return nil }
            self.kinds = kinds
            self.rows = packed
        }

        func points() throws -> [PointRecord] {
            try rows.rows().map { row in
                guard row.count >= 5, row[4] < UInt64(kinds.count) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "packed continuation point without its kind"))
                }
                return PointRecord(lambda: row[0], parameters: Array(row[5...]), loss: row[1], index: Int(Int64(bitPattern: row[2])),
                                   neutral: Int(Int64(bitPattern: row[3])), kind: kinds[Int(row[4])])
            }
        }
    }
}
