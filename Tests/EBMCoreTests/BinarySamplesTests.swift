import Testing
import EBMCore

@Suite struct BinarySamplesTests {
    @Test func bitsAndSpinsGiveTheSameStates() throws {
        let bits = try BinarySamples.parse("0 1 1\n1,0,0\n# comment\n\n0 0 0\n", file: "b.txt")
        let spins = try BinarySamples.parse("+1 -1 -1\n-1 +1 +1\n+1 +1 +1 # trailing\n", file: "s.txt")
        #expect(bits.spins == 3 && spins.spins == 3)
        #expect(bits.states == [0b110, 0b001, 0])
        #expect(spins.states == bits.states)
    }

    @Test func columnsSelectVariables() throws {
        let data = try BinarySamples.parse("0 1 1\n1 0 0\n", file: "d", columns: [2, 0])
        #expect(data.spins == 2)
        #expect(data.states == [0b01, 0b10])
    }

    @Test func badInputNamesFileLineAndColumn() {
        func message(_ text: String, columns: [Int]? = nil) -> String {
            do { _ = try BinarySamples.parse(text, file: "x.txt", columns: columns); return "accepted" } catch { return "\(error)" }
        }
        #expect(message("0 1\n1 2\n").hasPrefix("x.txt:2:3: `2` is not a binary value"))
        #expect(message("0 1\n1 1 0\n").hasPrefix("x.txt:2: this sample has 3 values"))
        #expect(message("0 1\n-1 +1\n").hasPrefix("x.txt:2:1: `-1` mixes"))
        #expect(message("\n# nothing\n").contains("no samples"))
        #expect(message("0 1\n", columns: [5]).contains("column 5 does not exist"))
    }
}
