import StrataCore
import StrataStore

/// Shares store commits between concurrent requests.
///
/// A request hands its messages over and waits. While one append is being committed, the messages
/// of every request that arrives meanwhile gather; when the commit returns they go to the store
/// together in the next append, and each request is resumed only once the commit holding its
/// messages is durable. Throughput then grows with concurrency instead of paying one disk sync per
/// request.
actor GroupCommit {
    private struct Pending {
        var messages: [StoredMessage]
        var quarantine: [QuarantineEntry]
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    private let store: any MessageLog
    private var pending: [Pending] = []
    private var committing = false
    /// Called after every commit that stored something (the membership cache listens).
    private let onCommit: @Sendable () async -> Void

    init(store: any MessageLog, onCommit: @escaping @Sendable () async -> Void) {
        self.store = store
        self.onCommit = onCommit
        // The first commit would otherwise wait for the store to learn the stored ids. A failure here
        // is met again, and reported, by that commit.
        Task { [store] in try? await store.prepareForAppends() }
    }

    /// Appends one request's messages as part of a shared commit; returns that request's share of the result.
    func append(_ messages: [StoredMessage], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(messages: messages, quarantine: quarantine, continuation: continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = pending
            pending = []
            do {
                let result = try await store.append(
                    storedParts: group.map(\.messages), quarantine: group.flatMap(\.quarantine))
                if result.inserted > 0 || result.quarantined > 0 { await onCommit() }
                var offset = 0
                for request in group {
                    let fates = result.fates[offset..<offset + request.messages.count]
                    offset += request.messages.count
                    var share = AppendResult()
                    share.fates = Array(fates)
                    share.duplicates = fates.filter { $0 == .duplicate }.count
                    share.erased = fates.filter { $0 == .erased }.count
                    share.inserted = fates.count - share.duplicates - share.erased
                    share.quarantined = request.quarantine.count
                    request.continuation.resume(returning: share)
                }
            } catch {
                for request in group { request.continuation.resume(throwing: error) }
            }
        }
        committing = false
    }
}
