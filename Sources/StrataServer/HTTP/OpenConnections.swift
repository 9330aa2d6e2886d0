import NIOCore
import Synchronization

/// The connections of one server, shared by their ``ConnectionGuard``s: how many are open, and which
/// wait without a request under way (idle, or in a request's head), oldest first. At the bound, a new
/// connection takes the place of the one that has waited longest; only when every connection has a
/// request under way is the new one refused.
final class OpenConnections: Sendable {
    private struct State {
        var open = 0
        /// The waiting connections by ticket, and the tickets in the order they began waiting (some
        /// stale: a ticket leaves ``waiting`` when its connection stops waiting).
        var waiting: [Int: any Channel] = [:]
        var order: [Int] = []
        var head = 0
        var nextTicket = 0

        /// The waiting connection that has waited longest, taken out of the waiting ones.
        mutating func takeOldest() -> (any Channel)? {
            while head < order.count {
                let ticket = order[head]
                head += 1
                if let channel = waiting.removeValue(forKey: ticket) { return channel }
            }
            return nil
        }
    }

    private let limit: Int
    private let state = Mutex(State())

    /// The connections of a server that keeps at most `limit` open.
    init(limit: Int) { self.limit = limit }

    /// What becomes of a connection that opens.
    enum Admission {
        /// It stays open.
        case admitted
        /// It stays open in place of this connection, which waited longest, to be closed.
        case replacing(any Channel)
        /// It is to be closed: as many as the bound are open, each with a request under way.
        case refused
    }

    /// Counts a connection that opens.
    func open() -> Admission {
        state.withLock { state in
            guard state.open >= limit else {
                state.open += 1
                return .admitted
            }
            guard let oldest = state.takeOldest() else { return .refused }
            // The oldest leaves the count now, so that the count stays at the bound while it closes.
            return .replacing(oldest)
        }
    }

    /// Counts a connection admitted earlier that closed; `evicted` when its place was taken already.
    func closed(evicted: Bool) {
        state.withLock { if !evicted { $0.open -= 1 } }
    }

    /// Notes a connection that begins to wait for a request (or for the rest of its head); returns its
    /// ticket for ``busy(_:)``.
    func waiting(_ channel: any Channel) -> Int {
        state.withLock { state in
            let ticket = state.nextTicket
            state.nextTicket += 1
            state.waiting[ticket] = channel
            state.order.append(ticket)
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            return ticket
        }
    }

    /// Notes a waiting connection that has a request under way now (or closed); whether it was still
    /// waiting (false when it was taken to make room).
    @discardableResult
    func busy(_ ticket: Int) -> Bool {
        state.withLock { $0.waiting.removeValue(forKey: ticket) != nil }
    }
}
