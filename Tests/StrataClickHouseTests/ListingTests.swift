import StrataCore
import StrataEngine
import Testing

@testable import StrataClickHouse

/// A member's listing read from the row ClickHouse answers (TabSeparated fields, unescaped).
@Suite struct ListingTests {
    @Test func everyTypeOfTraitBecomesItsValue() throws {
        let traits = [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]
        let row = [
            "u-1", "3", "1782907200000", "1782910800000",
            "1", "2.5", "", "2", "0", "pro", "3", "1", "", "4", "0", "", "0", "0", "", "5", "0", #"[1,"x"]"#,
        ]
        let listed = try Evaluator.listed(row, traits)
        #expect(listed.id == "u-1" && listed.events == 3)
        #expect(listed.firstSeen == 1_782_907_200_000 && listed.lastSeen == 1_782_910_800_000)
        #expect(
            listed.traits == [
                .number(2.5), .string("pro"), .bool(true), .missing, .missing,
                .json(.array([.number(1), .string("x")])),
            ])
    }

    @Test func aProfileWithoutEventsHasNoFirstOrLastSeen() throws {
        let listed = try Evaluator.listed(["a-7", "0", "0", "0"], [])
        #expect(listed == Evaluator.Listed(id: "a-7", firstSeen: nil, lastSeen: nil, events: 0, traits: []))
    }

    @Test func aMalformedRowIsAClearError() {
        #expect(throws: ClickHouseError.self) { try Evaluator.listed(["u-1", "1", "0"], []) }
        #expect(throws: ClickHouseError.self) { try Evaluator.listed(["u-1", "1", "0", "0", "9", "0", ""], [["a"]]) }
        #expect(throws: ClickHouseError.self) { try Evaluator.listed(["u-1", "1", "0", "0", "5", "0", "[1"], [["a"]]) }
    }
}
