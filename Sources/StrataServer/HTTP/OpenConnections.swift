import NIOCore
import Synchronization

/// The connections of one server, shared by their ``ConnectionGuard``s: how many are open, which wait
/// without a request under way (idle, or in a request's head), oldest first, and which are in a
/// request's body, with how much of it has come. At the bound, a new connection takes the place of one
/// of them: while bodies hold more than half the slots, the slowest body (the fewest bytes a second,
/// among those begun at least ``bodyGrace`` ago); otherwise the connection that has waited longest, or
/// the slowest body when none waits. Only when every connection is being answered, or is in a body
/// begun less than ``bodyGrace`` ago, is the new one refused.
final class OpenConnections: Sendable {
    /// How long a request's body may take before its connection can give its place to a new one.
    static let bodyGrace: TimeAmount = .seconds(1)
    /// How long a ranking of bodies by their rate is used before it is made again.
    static let rankingLife: TimeAmount = .seconds(1)
    /// How long after a ranking that found no body to take the bodies are not ranked again.
    static let rankingPause: TimeAmount = .milliseconds(50)

    /// A request's body under way, as its connection last told.
    private struct Body {
        var channel: any Channel
        /// When the head ended.
        var since: NIODeadline
        /// The bytes of the body that have come.
        var bytes: Int
    }

    private struct State {
        var open = 0
        /// The waiting connections by ticket, and the tickets in the order they began waiting (some
        /// stale: a ticket leaves ``waiting`` when its connection stops waiting).
        var waiting: [Int: any Channel] = [:]
        var order: [Int] = []
        var head = 0
        /// The connections in a body, by ticket.
        var bodies: [Int: Body] = [:]
        /// The tickets of bodies older than the grace, fastest first, as they were at ``rankedAt``
        /// (some stale: a ticket leaves ``bodies`` when its body ends).
        var ranking: [Int] = []
        var rankedAt: NIODeadline?
        var nextTicket = 0

        mutating func ticket() -> Int {
            defer { nextTicket += 1 }
            return nextTicket
        }

        /// The waiting connection that has waited longest, taken out of the waiting ones.
        mutating func takeOldest() -> (any Channel)? {
            while head < order.count {
                let ticket = order[head]
                head += 1
                if let channel = waiting.removeValue(forKey: ticket) { return channel }
            }
            return nil
        }

        /// The connection whose body, begun more than the grace before `now`, has come at the fewest
        /// bytes a second, taken out of the bodies.
        mutating func takeSlowest(now: NIODeadline) -> (any Channel)? {
            let age = rankedAt.map { now - $0 } ?? .nanoseconds(.max)
            if age >= OpenConnections.rankingLife || (ranking.isEmpty && age >= OpenConnections.rankingPause) {
                rank(now: now)
            }
            while let ticket = ranking.popLast() {
                if let body = bodies.removeValue(forKey: ticket) { return body.channel }
            }
            return nil
        }

        /// Ranks the bodies older than the grace by their bytes a second, the slowest last (of equal ones,
        /// the oldest).
        mutating func rank(now: NIODeadline) {
            var rates: [(ticket: Int, rate: Double)] = []
            for (ticket, body) in bodies where now - body.since >= OpenConnections.bodyGrace {
                rates.append((ticket, Double(body.bytes) / Double((now - body.since).nanoseconds)))
            }
            ranking = rates.sorted { ($0.rate, $0.ticket) > ($1.rate, $1.ticket) }.map(\.ticket)
            rankedAt = now
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
        /// It stays open in place of this connection (waiting, or in a slow body), to be closed.
        case replacing(any Channel)
        /// It is to be closed: as many as the bound are open, and none can give its place.
        case refused
    }

    /// Counts a connection that opens at `now`.
    func open(now: NIODeadline) -> Admission {
        state.withLock { state in
            guard state.open >= limit else {
                state.open += 1
                return .admitted
            }
            // The one taken leaves the count now, so that the count stays at the bound while it closes.
            if state.bodies.count * 2 > limit, let slowest = state.takeSlowest(now: now) {
                return .replacing(slowest)
            }
            if let oldest = state.takeOldest() ?? state.takeSlowest(now: now) { return .replacing(oldest) }
            return .refused
        }
    }

    /// Counts a connection admitted earlier that closed; `evicted` when its place was taken already.
    func closed(evicted: Bool) {
        state.withLock { if !evicted { $0.open -= 1 } }
    }

    /// Notes a connection that begins to wait for a request (or for the rest of its head); returns its
    /// ticket for ``settled(_:)``.
    func waiting(_ channel: any Channel) -> Int {
        state.withLock { state in
            let ticket = state.ticket()
            state.waiting[ticket] = channel
            state.order.append(ticket)
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            return ticket
        }
    }

    /// Notes a connection whose request's head ended at `since` and whose body has not all come after
    /// a read: `bytes` of it so far. Returns its ticket for ``received(_:bytes:)`` and ``settled(_:)``.
    func inBody(_ channel: any Channel, since: NIODeadline, bytes: Int) -> Int {
        state.withLock { state in
            let ticket = state.ticket()
            state.bodies[ticket] = Body(channel: channel, since: since, bytes: bytes)
            return ticket
        }
    }

    /// Notes that `bytes` of a body have come in all.
    func received(_ ticket: Int, bytes: Int) {
        state.withLock { $0.bodies[ticket]?.bytes = bytes }
    }

    /// Notes a waiting connection, or one in a body, that no longer is (a request under way, an answer
    /// being written, or closed); whether it still held its place (false when it was taken to make room).
    @discardableResult
    func settled(_ ticket: Int) -> Bool {
        state.withLock { $0.waiting.removeValue(forKey: ticket) != nil || $0.bodies.removeValue(forKey: ticket) != nil }
    }
}
