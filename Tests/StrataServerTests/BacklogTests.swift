import Testing

@testable import StrataServer

/// The backlog the membership reads wait on: a read that saw changes in the change log must not answer
/// from memberships those changes are not applied to yet.
@Suite struct BacklogTests {
    @Test func changesBeingRecordedKeepTheMembershipsNotCurrentUntilApplied() {
        let backlog = Backlog(stored: 0)
        #expect(!backlog.isCurrent(through: 0, at: 0))
        backlog.stored(through: 7)
        backlog.taken(through: 7, currentTo: 1_000)
        #expect(backlog.isCurrent(through: 7, at: 1_000))
        #expect(!backlog.isCurrent(through: 8, at: 1_000))
        #expect(!backlog.isCurrent(through: 7, at: 1_001))
        backlog.recording()
        #expect(!backlog.isCurrent(through: 7, at: 1_000))
        #expect(backlog.messages == 0)
        backlog.recorded()
        #expect(backlog.isCurrent(through: 7, at: 1_000))
    }
}
