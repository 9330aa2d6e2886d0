import StrataCore

/// Membership changes for their consumers (the change stream, the activation outbox, the dashboard):
/// catch up from a change id out of the change log, then live as they are recorded, with none twice
/// and none missing. A named consumer keeps its cursor in the change log, so a restart resumes after
/// the last change it acknowledged.
public final class ChangeFeed: Sendable {
    /// Changes read from the log per page when catching up.
    public static let page = 1_000

    private let log: any ChangeLog
    private let broadcast = ChangeBroadcast()

    /// A feed over a change log; the recorder publishes what it records (``publish(_:)``).
    public init(log: any ChangeLog) {
        self.log = log
    }

    /// Hands newly recorded changes to every subscriber; an empty batch is a heartbeat.
    public func publish(_ changes: [RecordedChange]) {
        broadcast.send(changes)
    }

    /// Ends every subscription (at shutdown).
    public func close() {
        broadcast.endAll()
    }

    /// A subscription to the feed: its batches of changes, and a way to end it early.
    public struct Subscription: Sendable {
        /// The changes in batches; an empty batch is a heartbeat.
        public let changes: AsyncThrowingStream<[RecordedChange], any Error>
        private let continuation: AsyncThrowingStream<[RecordedChange], any Error>.Continuation

        init(
            _ changes: AsyncThrowingStream<[RecordedChange], any Error>,
            _ continuation: AsyncThrowingStream<[RecordedChange], any Error>.Continuation
        ) {
            self.changes = changes
            self.continuation = continuation
        }

        /// Ends the subscription: its stream finishes (at a server's graceful shutdown, say).
        public func end() {
            continuation.finish()
        }
    }

    /// The changes of one segment (or of all) after the change id `after`, oldest first, then the live
    /// ones as they are recorded; without `after`, only the live ones. Comes in batches, an empty batch
    /// being a heartbeat. A subscriber that falls too far behind is ended, and reconnects from the last
    /// id it saw (the log keeps every change).
    public func subscribe(after: Int64?, segment: String?) -> Subscription {
        // Subscribed before the catch-up is read, so that nothing recorded meanwhile is missed.
        let subscription = broadcast.subscribe()
        let (log, broadcast) = (log, broadcast)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [RecordedChange].self)
        let task = Task {
            var last = after
            /// The changes after `last` that match the segment, moving `last`.
            func fresh(_ changes: [RecordedChange]) -> [RecordedChange] {
                var kept: [RecordedChange] = []
                for recorded in changes where last.map({ recorded.id > $0 }) ?? true {
                    last = recorded.id
                    if segment.map({ $0 == recorded.change.segment }) ?? true { kept.append(recorded) }
                }
                return kept
            }
            do {
                if var cursor = after {
                    while true {
                        let page = try await log.changes(segment: segment, since: nil, after: cursor, limit: Self.page)
                        let kept = fresh(page)
                        if !kept.isEmpty { continuation.yield(kept) }
                        guard page.count == Self.page, let end = page.last?.id else { break }
                        cursor = end
                    }
                }
                for await batch in subscription.changes {
                    let kept = fresh(batch)
                    if batch.isEmpty || !kept.isEmpty { continuation.yield(kept) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in
            task.cancel()
            broadcast.end(subscription.id)
        }
        return Subscription(stream, continuation)
    }

    /// Where a named consumer resumes: after the change it last acknowledged; a consumer new to this
    /// store starts after the last change recorded now (it is not handed the history).
    public func cursor(of consumer: String) async throws -> Int64 {
        if let saved = try await log.cursor(of: consumer) { return saved }
        let start = try await log.lastChangeID()
        try await log.saveCursor(start, of: consumer)
        return start
    }

    /// Saves that a named consumer has handled every change up to an id.
    public func acknowledge(_ changeID: Int64, consumer: String) async throws {
        try await log.saveCursor(changeID, of: consumer)
    }
}
