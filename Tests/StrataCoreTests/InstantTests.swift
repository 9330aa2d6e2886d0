import StrataCore
import Testing

@Suite("Instants and civil dates")
struct InstantTests {
    @Test(
        "formats epoch milliseconds as ISO 8601 with milliseconds and Z",
        arguments: [
            (Int64(1_782_864_000_000), "2026-07-01T00:00:00.000Z"),
            (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
            (951_868_800_000, "2000-03-01T00:00:00.000Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (1_782_863_999_999, "2026-06-30T23:59:59.999Z"),
            (-31_536_000_001, "1968-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ])
    func format(milliseconds: Int64, expected: String) {
        #expect(Instant.format(milliseconds) == expected)
    }

    @Test("appends to an array and writes into raw memory the same bytes as format")
    func write() {
        let instants: [Int64] = [0, -1, 1_709_210_096_789, 1_782_863_999_999, 4_107_542_400_000]
        for instant in instants {
            let expected = Array(Instant.format(instant).utf8)
            #expect(expected.count == Instant.formattedByteCount)

            var appended: [UInt8] = [0x5B]
            Instant.write(instant, into: &appended)
            #expect(appended == [0x5B] + expected)

            var raw = [UInt8](repeating: 0xFF, count: Instant.formattedByteCount + 2)
            raw.withUnsafeMutableBytes { buffer in
                if let base = buffer.baseAddress { Instant.write(instant, to: base + 1) }
            }
            #expect(raw == [0xFF] + expected + [0xFF])
        }
    }

    @Test(
        "parses dates and instants, with offsets and fractions",
        arguments: [
            ("2026-07-01T00:00:00Z", Int64(1_782_864_000_000)),
            ("2026-06-30T19:00:00.5-05:00", 1_782_864_000_500),
            ("2024-02-29T12:34:56.789Z", 1_709_210_096_789),
            ("1970-01-01T00:00", 0),
        ])
    func parse(text: String, expected: Int64) {
        #expect(Instant.parse(text) == expected)
    }

    @Test(
        "rejects malformed text",
        arguments: [
            "2026-7-1", "2026-02-29", "2025-02-29", "2026-13-01", "2026-04-31", "2026-07-01T25:00:00Z",
            "2026-07-01T10:60:00Z", "2026-07-01T10:00:00X", "2026-07-01T10:00:00.Z", "2026-07-01T10:00:00Z trailing",
        ])
    func rejects(text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test("civil arithmetic round-trips and knows weekdays")
    func civil() {
        #expect(CivilDate(year: 2024, month: 2, day: 29).daysSinceEpoch == 19_782)
        #expect(CivilDate(daysSinceEpoch: 19_782) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate(year: 2026, month: 7, day: 1).weekdayFromMonday == 2)  // Wednesday
        #expect(CivilDate.weekdayFromMonday(daysSinceEpoch: 20_635) == 2)
        #expect(CivilDate.weekdayFromMonday(daysSinceEpoch: 0) == 3)  // 1970-01-01 was a Thursday
        #expect(CivilDate.weekdayFromMonday(daysSinceEpoch: -1) == 2)
        let before = Instant.floorDivide(-1, Instant.day)
        #expect(before.quotient == -1 && before.remainder == Instant.day - 1)
        let after = Instant.floorDivide(Instant.day, Instant.day)
        #expect(after.quotient == 1 && after.remainder == 0)
    }
}
