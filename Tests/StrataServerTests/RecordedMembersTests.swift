import StrataCore
import Testing

@testable import StrataServer

/// The recorded members' sorted lists for pages: sorted whole once, then kept by merging the changes
/// recorded since, with work taken by two reads at once kept only once.
@Suite struct RecordedMembersTests {
    private func change(_ segment: String, _ profile: String, _ entered: Bool) -> MembershipChange {
        MembershipChange(segment: segment, profile: profile, entered: entered, instant: 0, cause: .time)
    }

    /// Runs what a read finds needed and keeps it, as the live service does.
    private func read(_ segment: String, _ recorded: inout RecordedMembers) -> [String] {
        switch recorded.sortedMembers(of: segment) {
        case .ready(let members): return members
        case .build(let build):
            let members = build.run()
            recorded.keep(members, of: build)
            return members
        }
    }

    private func isReady(_ segment: String, _ recorded: inout RecordedMembers) -> Bool {
        if case .ready = recorded.sortedMembers(of: segment) { return true }
        return false
    }

    @Test func mergingChangesIntoASortedListOrdersByBytesAndTakesEachProfilesLastChange() {
        // "Z" (0x5A) < "a" (0x61) < "é" (0xC3 0xA9) by bytes.
        let merged = RecordedMembers.merge(
            [
                ("b", false), ("é", true), ("Z", true), ("c", false), ("c", true), ("d", true), ("d", false),
                ("a", true),
            ],
            into: ["a", "b", "c", "x"])
        #expect(merged == ["Z", "a", "c", "x", "é"])
        #expect(RecordedMembers.merge([], into: ["a"]) == ["a"])
        #expect(RecordedMembers.merge([("m", true)], into: []) == ["m"])
    }

    @Test func aSegmentIsSortedOnceThenKeptByMergingWhatChangedSince() {
        var recorded = RecordedMembers()
        recorded.reset(["paying": ["u10", "u2", "u1"], "trial": ["t1"]])
        #expect(!isReady("paying", &recorded))
        #expect(read("paying", &recorded) == ["u1", "u10", "u2"])
        #expect(isReady("paying", &recorded))
        recorded.apply([change("paying", "u0", true), change("paying", "u10", false), change("trial", "t2", true)])
        // The changes wait for the next read, which merges them rather than sorting the whole.
        guard case .build(let build) = recorded.sortedMembers(of: "paying") else {
            Issue.record("a change leaves the list as it was")
            return
        }
        #expect(build.whole == nil)
        #expect(build.base == ["u1", "u10", "u2"])
        #expect(build.run() == ["u0", "u1", "u2"])
        recorded.keep(build.run(), of: build)
        #expect(read("paying", &recorded) == ["u0", "u1", "u2"])
        #expect(isReady("paying", &recorded))
        // A segment never read keeps no list.
        #expect(read("trial", &recorded) == ["t1", "t2"])
    }

    @Test func changesRecordedWhileASortRunsAreMergedByTheNextRead() {
        var recorded = RecordedMembers()
        recorded.reset(["paying": ["b", "a"]])
        guard case .build(let first) = recorded.sortedMembers(of: "paying") else {
            Issue.record("a list never read is sorted whole")
            return
        }
        // Recorded between taking the sort and keeping it: the sort does not include it.
        recorded.apply([change("paying", "c", true)])
        // A second read while the first sort runs sorts the members as they are now.
        guard case .build(let second) = recorded.sortedMembers(of: "paying") else {
            Issue.record("a sort under way is not a list")
            return
        }
        #expect(second.whole == ["a", "b", "c"])
        recorded.keep(first.run(), of: first)
        // The second was taken from the list the first replaced: it is not kept.
        recorded.keep(second.run(), of: second)
        guard case .build(let merge) = recorded.sortedMembers(of: "paying") else {
            Issue.record("the change recorded during the sort waits for a merge")
            return
        }
        #expect(merge.base == ["a", "b"])
        #expect(merge.changes.map(\.profile) == ["c"])
        #expect(read("paying", &recorded) == ["a", "b", "c"])
    }

    @Test func tooManyChangesOrAnErasureDropTheListForAWholeSort() {
        var recorded = RecordedMembers()
        recorded.reset(["paying": ["a"]])
        _ = read("paying", &recorded)
        let many = (0...RecordedMembers.mergeLimit(1)).map { change("paying", "p\($0)", true) }
        #expect(many.count == 4_097)
        recorded.apply(many)
        guard case .build(let build) = recorded.sortedMembers(of: "paying") else {
            Issue.record("a list past its merge limit is sorted again")
            return
        }
        #expect(build.whole?.count == 4_098)
        recorded.keep(build.run(), of: build)
        recorded.forget(["a", "p0"])
        guard case .build(let afterErasure) = recorded.sortedMembers(of: "paying") else {
            Issue.record("an erasure drops the list")
            return
        }
        #expect(afterErasure.whole?.count == 4_096)
        #expect(afterErasure.run().first == "p1")
    }
}
