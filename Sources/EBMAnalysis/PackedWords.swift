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

    /// `flat` holds `count` rows of `width` words, one row after another.
    init(count: Int, width: Int, flat: [UInt64]) {
        precondition(count >= 0 && width >= 0 && flat.count == count * width, "packed words: \(flat.count) words are not \(count) rows of \(width)")
        self.count = count
        self.width = width
        words = flat.map(\.littleEndian).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    /// The rows, or nil when they are not all of one width.
    init?(_ rows: [[UInt64]]) {
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else { return nil }
        self.init(count: rows.count, width: width, flat: rows.flatMap { $0 })
    }

    func rows() throws -> [[UInt64]] {
        let (total, overflow) = count.multipliedReportingOverflow(by: width)
        guard count >= 0, width >= 0, !overflow, let data = Data(base64Encoded: words), data.count / 8 == total, data.count % 8 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "packed words: \(count) rows of \(width) words expected"))
        }
        var flat = [UInt64](repeating: 0, count: total)
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

        /// Nil when the points do not all have as many parameters.
        init?(_ points: [PointRecord]) {
            let parameters = points.first?.parameters.count ?? 0
            guard points.allSatisfy({ $0.parameters.count == parameters }) else { return nil }
            var kinds: [String] = []
            var flat: [UInt64] = []
            flat.reserveCapacity(points.count * (5 + parameters))
            for point in points {
                let kind = kinds.firstIndex(of: point.kind) ?? { kinds.append(point.kind); return kinds.count - 1 }()
                flat += [point.lambda, point.loss, UInt64(bitPattern: Int64(point.index)), UInt64(bitPattern: Int64(point.neutral)), UInt64(kind)]
                flat += point.parameters
            }
            self.kinds = kinds
            rows = PackedWords(count: points.count, width: 5 + parameters, flat: flat)
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
