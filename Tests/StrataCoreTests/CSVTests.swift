import StrataCore
import Testing

struct CSVTests {
    @Test func fieldsAreQuotedAsRFC4180Says() {
        #expect(
            CSV.row(["ann", "a,b", "say \"hi\"", "two\nlines", ""]) == "ann,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",")
    }

    @Test func textASpreadsheetWouldRunAsAFormulaIsDefused() {
        #expect(CSV.field("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        #expect(CSV.field("+1 555 0100") == "'+1 555 0100")
        #expect(CSV.field("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0")
        #expect(CSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.field("\tx") == "'\tx")
        // Numbers stay numbers.
        #expect(CSV.field("-12.5") == "-12.5")
        #expect(CSV.field("+3") == "+3")
        #expect(CSV.field("a=b") == "a=b")
    }
}
