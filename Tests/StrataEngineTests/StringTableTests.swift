import Testing

@testable import StrataEngine

@Suite struct StringTableTests {
    @Test func internGivesEachDistinctStringTheNextIdAndFindsItAgain() {
        var table = StringTable()
        #expect(table.id(of: "pro") == nil)
        #expect(table.intern("pro") == 0)
        #expect(table.intern("") == 1)
        #expect(table.intern("free") == 2)
        #expect(table.intern("pro") == 0)
        #expect(table.intern("") == 1)
        #expect(Array(table) == ["pro", "", "free"])
        #expect(table.id(of: "free") == 2)
        #expect(table.id(of: "fre") == nil)
        #expect(table.id(of: "freee") == nil)
    }

    @Test func spellingsEqualAsStringsButNotAsBytesAreTwoEntries() {
        var table = StringTable()
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's equality: canonical equivalence
        #expect(table.intern(composed) == 0)
        #expect(table.intern(decomposed) == 1)
        #expect(table.id(of: decomposed) == 1)
        #expect(Array(table[1].utf8) == [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81])
    }

    @Test func manyStringsSurviveTheIndexGrowing() {
        var table = StringTable()
        for i in 0..<5_000 { #expect(table.intern("user-\(i)@example.com") == UInt32(i)) }
        #expect(table.count == 5_000)
        #expect(table.id(of: "user-0@example.com") == 0)
        #expect(table.id(of: "user-4999@example.com") == 4_999)
        #expect(table.id(of: "user-5000@example.com") == nil)
        #expect(table[1_234] == "user-1234@example.com")
    }

    @Test func aTableReadBackFromItsColumnsIsTheSame() throws {
        var table = StringTable()
        for word in ["a", "bb", "", "ccc"] { _ = table.intern(word) }
        #expect(table.ends == [1, 3, 3, 6])
        #expect(Array(table.utf8) == Array("abbccc".utf8))
        let read = try #require(StringTable(utf8: table.utf8, ends: table.ends))
        #expect(Array(read) == ["a", "bb", "", "ccc"])
        #expect(read.id(of: "ccc") == 3)
        #expect(read.id(of: "") == 2)
    }

    @Test func damagedColumnsOrAStringHeldTwiceAreRefused() {
        let utf8 = Array("abbccc".utf8)
        #expect(StringTable(utf8: utf8, ends: [1, 3, 2, 6]) == nil)  // an end before the one before it
        #expect(StringTable(utf8: utf8, ends: [1, 3, 3, 7]) == nil)  // past the bytes
        #expect(StringTable(utf8: utf8, ends: [1, 3, 3, 5]) == nil)  // short of the bytes
        #expect(StringTable(utf8: utf8, ends: [-1, 3, 3, 6]) == nil)  // before the bytes
        #expect(StringTable(utf8: Array("abab".utf8), ends: [2, 4]) == nil)  // "ab" twice
        #expect(StringTable(utf8: [], ends: [0, 0]) == nil)  // "" twice
        #expect(StringTable(utf8: [], ends: [])?.count == 0)
    }
}
