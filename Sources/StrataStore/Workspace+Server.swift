import StrataCore
import Yams

extension Workspace.Config {
    /// The limits `strata serve` enforces (`server:` in strata.yaml); each has a default.
    public struct ServerLimits: Sendable, Equatable {
        /// The most connections open at once: a new one takes the place of the slowest request body
        /// when bodies hold more than half of them, else of the one that has waited longest for a
        /// request (docs/server.md); it is closed as it opens only when every one is being answered.
        public var maxConnections = 10_000
        /// How long a connection may wait for the first byte of a request (between requests, too).
        public var idleTimeout = Duration.seconds(60)
        /// How long a request's head may take to arrive, from its first byte.
        public var headerTimeout = Duration.seconds(10)
        /// How long a request's body may take to arrive, from the end of its head.
        public var bodyTimeout = Duration.seconds(60)
        /// The most messages stored but not yet taken by the real-time engine before the ingestion
        /// routes answer 503 with `Retry-After`.
        public var maxLag = 100_000
        /// How long a read of memberships waits for the engine to take the messages stored before it;
        /// after that it answers from what is recorded.
        public var readWait = Duration.milliseconds(50)
        /// How long a graceful stop may take before the work left is cut short (to be replayed).
        public var shutdownTimeout = Duration.seconds(10)
        /// The most messages one ingestion request may carry.
        public var maxMessagesPerRequest = 10_000
        /// The most refused messages of one request written to quarantine.
        public var maxQuarantinePerRequest = 100
        /// The most refused messages of one write key written to quarantine in a minute.
        public var maxQuarantinePerKeyPerMinute = 1_000

        /// The defaults.
        public init() {}

        /// The keys `server:` may hold, each with its setter from a number.
        static let fields: [(key: String, set: @Sendable (inout ServerLimits, Double) -> Void, seconds: Bool)] = [
            ("max_connections", { $0.maxConnections = Int($1) }, false),
            ("idle_timeout", { $0.idleTimeout = .seconds($1) }, true),
            ("header_timeout", { $0.headerTimeout = .seconds($1) }, true),
            ("body_timeout", { $0.bodyTimeout = .seconds($1) }, true),
            ("max_lag", { $0.maxLag = Int($1) }, false),
            ("read_wait", { $0.readWait = .seconds($1) }, true),
            ("shutdown_timeout", { $0.shutdownTimeout = .seconds($1) }, true),
            ("max_messages_per_request", { $0.maxMessagesPerRequest = Int($1) }, false),
            ("max_quarantine_per_request", { $0.maxQuarantinePerRequest = Int($1) }, false),
            ("max_quarantine_per_key_per_minute", { $0.maxQuarantinePerKeyPerMinute = Int($1) }, false),
        ]
    }
}

extension Workspace {
    /// Reads `server:`: a mapping of limits, each a number (durations in seconds, the others whole
    /// numbers), 0 or more.
    static func parseServerLimits(_ value: Node, file: String) throws(WorkspaceError) -> Config.ServerLimits {
        let keys = Config.ServerLimits.fields.map(\.key)
        guard let mapping = value.mapping else {
            throw WorkspaceError(
                "\(file):\(value.mark?.description ?? "1:1"): `server` must be a mapping of limits such as {max_lag: 100000}"
            )
        }
        var limits = Config.ServerLimits()
        for (key, item) in mapping {
            guard let name = key.string, let field = Config.ServerLimits.fields.first(where: { $0.key == name }) else {
                let found = key.string ?? "?"
                let hint = Suggestion.nearest(to: found, in: keys).map { "; did you mean `\($0)`?" } ?? ""
                throw WorkspaceError(
                    "\(file):\(key.mark?.description ?? "1:1"): unknown server setting `\(found)`, expected one of "
                        + keys.joined(separator: ", ") + hint)
            }
            let number = item.string.flatMap(Double.init)
            guard let number, number >= 0, number.isFinite, field.seconds || number == number.rounded() else {
                let expected = field.seconds ? "a number of seconds" : "a whole number"
                throw WorkspaceError(
                    "\(file):\(item.mark?.description ?? "1:1"): `\(name)` must be \(expected), 0 or more, found `\(item.string ?? "?")`"
                )
            }
            field.set(&limits, number)
        }
        return limits
    }
}
