import StrataActivation
import StrataCore
import StrataLanguage
import Testing

/// Quiet hours in a zone: when an instant falls inside them, and when they end.
struct QuietHoursTests {
    static let night = Messaging.QuietHours(start: 21 * 60, end: 8 * 60)
    static let berlin = Zone(identifier: "Europe/Berlin") ?? .utc

    static func at(_ text: String) -> Int64 { Instant.parse(text) ?? 0 }

    @Test(
        arguments: [
            // 22:30 in Berlin (UTC+2 in summer): quiet until 08:00 the next morning, 06:00Z.
            ("2026-06-30T20:30:00Z", "2026-07-01T06:00:00.000Z"),
            // 07:00 in Berlin: quiet until 08:00 the same morning.
            ("2026-06-30T05:00:00Z", "2026-06-30T06:00:00.000Z"),
            // 08:00 in Berlin exactly: not quiet.
            ("2026-06-30T06:00:00Z", nil),
            // 14:00 in Berlin.
            ("2026-06-30T12:00:00Z", nil),
            // 21:00 in Berlin in winter (UTC+1): quiet until 07:00Z.
            ("2026-12-01T20:00:00Z", "2026-12-02T07:00:00.000Z"),
        ] as [(String, String?)])
    func nightInBerlin(instant: String, end: String?) {
        #expect(Self.night.end(ifQuietAt: Self.at(instant), in: Self.berlin).map(Instant.format) == end)
    }

    @Test func aWindowWithinOneDay() {
        let lunch = Messaging.QuietHours(start: 12 * 60, end: 13 * 60 + 30)
        #expect(lunch.end(ifQuietAt: Self.at("2026-06-30T12:10:00Z"), in: .utc) == Self.at("2026-06-30T13:30:00Z"))
        #expect(lunch.end(ifQuietAt: Self.at("2026-06-30T13:30:00Z"), in: .utc) == nil)
        #expect(lunch.end(ifQuietAt: Self.at("2026-06-30T11:59:59Z"), in: .utc) == nil)
    }
}
