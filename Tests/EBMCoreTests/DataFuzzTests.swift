import Testing
import EBMCore

/// Random mutations of a valid data file: the parser never crashes; what it
/// accepts has consistent widths and states in range, and what it refuses
/// names the file.
@Suite struct DataFuzzTests {
    @Test func mutatedDataFilesAreParsedOrRefusedCleanly() {
        let valid = "0 1 1 0\n1 0 0 1\n1,1,0,0\n0 0 0 0 # c\n1 1 1 1\n"
        let alphabet = Array(" ,01-+2\n#x\t")
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        var accepted = 0
        for _ in 0..<2000 {
            var text = Array(valid)
            for _ in 0..<(1 + next(3)) {
                if next(2) == 0, !text.isEmpty { text.remove(at: next(text.count)) }
                else { text.insert(alphabet[next(alphabet.count)], at: next(text.count + 1)) }
            }
            do {
                let data = try BinarySamples.parse(String(text), file: "f.txt")
                accepted += 1
                #expect(data.spins >= 1 && data.states.allSatisfy { $0 >= 0 && $0 < 1 << data.spins })
            } catch let error as DataFileError {
                #expect(error.file == "f.txt")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(accepted > 0 && accepted < 2000)
    }
}
