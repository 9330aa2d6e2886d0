import StrataCore
import StrataEngine
import Synchronization
import Testing

/// A live engine forgetting an erased profile: its memberships go without a change, and the other
/// profiles of its cluster are joined again from the messages still stored.
struct ForgetTests {
    let start = t("2026-07-01T00:00:00Z")

    @Test func anErasedProfileLeavesWithoutAChangeAndItsClusterIsJoinedAgain() throws {
        var f = Fixture()
        f.track(nil, "Order Completed", at: start, anonymousId: "d")  // 1: u1's, through d
        f.identify("u1", at: start + 1, anonymousId: "d")  // 2: d is u1's
        f.track("u2", "Order Completed", at: start + 2)  // 3
        f.identify("u5", at: start + 3, anonymousId: "d")  // 4: refused link, but one cluster in the engine
        f.track("u5", "Order Completed", at: start + 4)  // 5
        f.segment("buyers", #"did("Order Completed")"#)
        let stored = Mutex(Dictionary(uniqueKeysWithValues: f.messages.enumerated().map { (Int64($0 + 1), $1) }))
        let engine = LiveEngine(
            definitions: try f.definitions(), zone: f.zone, now: start,
            source: { sequences in stored.withLock { log in sequences.compactMap { s in log[s].map { (s, $0) } } } })
        for (index, message) in f.messages.enumerated() {
            try engine.ingest(message, sequence: Int64(index + 1), at: message.receivedAt)
        }
        #expect(engine.members(of: "buyers") == ["u1", "u2", "u5"])
        // The store erased u1's profile: messages 1 and 2.
        stored.withLock { log in
            log[1] = nil
            log[2] = nil
        }
        #expect(try engine.forget(["u1", "d"]).isEmpty)
        #expect(engine.members(of: "buyers") == ["u2", "u5"])
        // Later time and messages never bring it back.
        let later = Message(
            kind: .track, messageId: "m5", userId: "u6", event: "Order Completed", timestamp: start + 10,
            receivedAt: start + 10)
        stored.withLock { $0[6] = later }
        #expect(
            try engine.ingest(later, sequence: 6, at: start + 10).map(\.description) == [
                "2026-07-01T00:00:00.010Z buyers +u6 (message m5)"
            ])
        try engine.advance(to: start + 86_400_000)
        #expect(engine.members(of: "buyers") == ["u2", "u5", "u6"])
    }
}
