import Foundation
import Testing
import EBMCore
import EBMSolvers
@testable import EBMAnalysis

/// A continuation's checkpoint record keeps its points as packed words:
/// every bit comes back, and a record written with the points as JSON
/// arrays (as earlier builds wrote checkpoints) reads to the same record.
@Suite struct ContinuationRecordCodingTests {
    /// One start of the frozen RBM continued in β with a curve in μ: three
    /// branches with special points and a branch-point curve.
    static func record() throws -> ContinuationRecord {
        let (base, objective) = try LearningContinuationTests.frozenRBM()
        let family = try TwoParameterTargetFamily(first: .beta, second: .mix, base: base)
        let units = ContinuationStartUnits(
            family: try TargetFamily(parameter: .beta, base: base), objective: objective, starts: [[0, 0, 0]],
            from: 0, to: 3, method: LearningContinuationTests.method, tolerances: ClassificationTolerances(),
            curves: CurveSettings(family: family, from: 1.0, to: 0.2))
        return try units.makeWorker()(0)
    }

    static func encoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    @Test func packedPointsReadBackBitForBit() throws {
        let record = try Self.record()
        #expect(record.branches.count == 3 && record.curves.count == 1)
        #expect(record.branches.allSatisfy { !$0.points.isEmpty } && !record.curves[0].points.isEmpty)
        let data = try Self.encoded(record)
        // The points are packed, not listed.
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let branches = try #require(json["branches"] as? [[String: Any]])
        #expect(branches.allSatisfy { $0["points"] is [String: Any] })

        let decoded = try JSONDecoder().decode(ContinuationRecord.self, from: data)
        for (a, b) in zip(record.branches, decoded.branches) {
            #expect(try Self.encoded(a.points) == Self.encoded(b.points))
        }
        #expect(try Self.encoded(record.curves[0].points) == Self.encoded(decoded.curves[0].points))
        #expect(try Self.encoded(decoded) == data)
    }

    /// Special values survive the packing: NaN's payload, -0, infinities,
    /// negative counts, kinds in any order; rows of mixed widths are not packed.
    @Test func packedWordsKeepEveryWord() throws {
        let words: [[UInt64]] = [[Double.nan.bitPattern | 5, (-0.0).bitPattern, Double.infinity.bitPattern],
                                 [UInt64.max, 0, UInt64(bitPattern: -3)]]
        let packed = try #require(PackedWords(words))
        #expect(try packed.rows() == words)
        let again = try JSONDecoder().decode(PackedWords.self, from: Self.encoded(packed))
        #expect(try again.rows() == words)
        #expect(PackedWords([[1, 2], [3]]) == nil)
        #expect(try #require(PackedWords([])).rows().isEmpty)
        let short = try JSONDecoder().decode(PackedWords.self, from: Data("{\"count\": 3, \"width\": 3, \"words\": \"\(packed.words)\"}".utf8))
        #expect(throws: DecodingError.self) { try short.rows() }
        // A corrupt count is an error, not an overflow.
        let huge = try JSONDecoder().decode(PackedWords.self, from: Data("{\"count\": \(Int.max), \"width\": 3, \"words\": \"\(packed.words)\"}".utf8))
        #expect(throws: DecodingError.self) { try huge.rows() }

        let points = [ContinuationRecord.PointRecord(lambda: 1, parameters: [2, 3], loss: 4, index: -1, neutral: 2, kind: "saddle"),
                      ContinuationRecord.PointRecord(lambda: 5, parameters: [6, 7], loss: 8, index: 0, neutral: 0, kind: "sink"),
                      ContinuationRecord.PointRecord(lambda: 9, parameters: [10, 11], loss: 12, index: 3, neutral: 1, kind: "saddle")]
        let unpacked = try #require(ContinuationRecord.PackedPoints(points)).points()
        #expect(try Self.encoded(unpacked) == Self.encoded(points))
    }

    /// A record whose points are JSON arrays (the earlier checkpoint
    /// format, written here through mirrors of the records with the
    /// synthesized coding) decodes to the same record, so such a
    /// checkpoint resumes.
    @Test func listedPointsAreReadToo() throws {
        struct ListedBranch: Encodable {
            let parent: Int?
            let points: [ContinuationRecord.PointRecord]
            let specials: [ContinuationRecord.SpecialRecord]
            let status: String
            let failure: String?
        }
        struct ListedCurve: Encodable {
            let branch: Int
            let kind: String
            let points: [ContinuationRecord.CurvePointRecord]
            let events: [ContinuationRecord.EventRecord]
        }
        struct Listed: Encodable {
            let start: [UInt64]?
            let failure: String?
            let branches: [ListedBranch]
            let curves: [ListedCurve]
            let messages: [String]
        }
        let record = try Self.record()
        let listed = try Self.encoded(Listed(
            start: record.start, failure: record.failure,
            branches: record.branches.map { ListedBranch(parent: $0.parent, points: $0.points, specials: $0.specials, status: $0.status,
                                                         failure: $0.failure) },
            curves: record.curves.map { ListedCurve(branch: $0.branch, kind: $0.kind, points: $0.points, events: $0.events) },
            messages: record.messages))
        #expect(!String(decoding: listed, as: UTF8.self).contains("\"words\""))
        let decoded = try JSONDecoder().decode(ContinuationRecord.self, from: listed)
        #expect(try Self.encoded(decoded) == Self.encoded(record))
    }
}
