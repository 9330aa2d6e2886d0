import Hummingbird
import Logging
import StrataCore
import StrataStore

/// The ingestion routes: Segment's tracking API and PostHog's capture endpoints.
///
/// Every message is checked on its own: valid ones are stored, refused ones are quarantined with
/// their reason, and the answer names each refused index. The answer goes out only after the
/// commit holding the request's messages is durable.
struct Ingestion: Sendable {
    let keys: KeyRing
    let commits: GroupCommit
    let metrics: Metrics
    let configuration: Server.Configuration
    /// The limits: the engine's lag, messages a request, quarantine rows a request.
    let limits: Workspace.Config.ServerLimits
    /// How far the real-time engine is behind: past ``Workspace/Config/ServerLimits/maxLag`` the
    /// routes answer 503.
    let backlog: Backlog
    /// The quarantine rows each key may still write this minute.
    let quota: QuarantineQuota
    /// The origins whose pages may read the answers (``CORS``); nil lets every origin.
    let corsOrigins: [String]?

    /// The fate of one message (or one PostHog event) of a request.
    struct Entry {
        var index: Int
        var result: Result<[StoredMessage], MessageError>
        var raw: [UInt8]
        /// PostHog's event uuid, for the v1 answer.
        var uuid: String?
    }

    /// What a request's messages came to.
    struct Outcome {
        var stored: AppendResult
        var failures: [(index: Int, uuid: String?, error: MessageError)]
        /// The refused messages written to quarantine (at most the limits allow).
        var quarantined: Int

        /// 200 when every message was accepted, 413 when one was too large, else 400.
        var status: HTTPResponse.Status {
            if failures.contains(where: { $0.error.reason == .tooLarge }) { return .contentTooLarge }
            return failures.isEmpty ? .ok : .badRequest
        }

        /// The answer's fields: counts, and on refusal an error and each refused index with its reason.
        func fields(received: Int) -> [String: JSONValue] {
            var object: [String: JSONValue] = [
                "success": .bool(failures.isEmpty), "stored": .number(Double(stored.inserted)),
                "duplicates": .number(Double(stored.duplicates)),
            ]
            guard !failures.isEmpty else { return object }
            let code = status == .contentTooLarge ? "too_large" : "invalid_messages"
            let quarantinable = failures.filter { $0.error.reason != .erased }.count
            let kept =
                quarantinable == 0
                ? "" : quarantined == quarantinable ? " and quarantined" : "; \(quarantined) of them were quarantined"
            object["error"] = .object([
                "code": .string(code),
                "message": .string("\(failures.count) of \(received) messages were refused\(kept)"),
            ])
            object["failed"] = .array(
                failures.map { failure in
                    var item: [String: JSONValue] = [
                        "index": .number(Double(failure.index)), "reason": .string(failure.error.reason.rawValue),
                        "message": .string(failure.error.message),
                    ]
                    if let field = failure.error.field { item["field"] = .string(field) }
                    return .object(item)
                })
            return object
        }
    }

    /// The Segment routes with the message type each implies: the batch, each call by its name, and
    /// the one-letter names analytics.js sends to (`t` for track, `s` for screen, ...).
    static let segmentRoutes: [(path: String, kind: Message.Kind?)] =
        [("batch", nil)] + Message.Kind.allCases.map { ($0.rawValue, $0) }
        + Message.Kind.allCases.map { (String($0.rawValue.prefix(1)), $0) }

    /// The paths of every ingestion route, without the leading slash.
    static let paths = segmentRoutes.map { "v1/\($0.path)" } + ["batch/", "i/v1/analytics/events"]

    /// Registers the routes on a router, each with a preflight (`OPTIONS`) and ``CORS`` headers.
    func register(on router: Router<BasicRequestContext>) {
        let routes = router.group().add(middleware: CORS<BasicRequestContext>(origins: corsOrigins))
        for (path, kind) in Self.segmentRoutes {
            routes.post("v1/\(path)") { request, context in
                try await segment(request, context: context, kind: kind)
            }
        }
        routes.post("batch") { request, context in try await postHog(request, context: context, v1: false) }
        routes.post("i/v1/analytics/events") { request, context in
            try await postHog(request, context: context, v1: true)
        }
        for path in Self.paths {
            routes.on(RouterPath(path), method: .options) { _, _ in Response(status: .noContent) }
        }
    }

    /// A Segment call: the write key in the `Authorization` header (Basic user or Bearer), else in the
    /// body's `writeKey` field (``WriteKeyField``). The body is read as JSON whatever its
    /// `Content-Type` (`sendBeacon` sends `text/plain`).
    func segment(_ request: Request, context: BasicRequestContext, kind: Message.Kind?) async throws -> Response {
        let headerKey = Credentials.key(in: request.headers)
        let authorized = headerKey == nil ? nil : try await authorize(headerKey, context: context)
        let (bodyKeys, bytes) = WriteKeyField.take(
            from: try await BodyReader.read(request, limit: configuration.maxRequestBytes))
        let key: APIKey
        if let authorized {
            key = authorized
        } else {
            guard bodyKeys.count <= 1 else {
                throw APIError.unauthorized("the messages carry \(bodyKeys.count) different writeKey values; send one")
            }
            key = try await authorize(bodyKeys.first, context: context)
        }
        let now = configuration.clock()
        // Straight to the stored form when every message can be scanned; else each message is decoded,
        // which also decides every refusal.
        let entries = bytes.withUnsafeBufferPointer { body in
            if let scanned = StoredMessage.scanning(document: body, receivedAt: now, defaultKind: kind) {
                return scanned.enumerated().map { Entry(index: $0, result: .success([$1]), raw: []) }
            }
            return MessageDocument.decode(body, receivedAt: now, defaultKind: kind).map {
                Entry(index: $0.index, result: $0.result.map { [StoredMessage($0)] }, raw: $0.raw)
            }
        }
        let outcome = try await store(entries, key: key, request: request, context: context, at: now)
        return .json(.object(outcome.fields(received: entries.count)), status: outcome.status)
    }

    /// A PostHog batch: v0 (`/batch/`, key in the `api_key` field or the header) answers like PostHog's
    /// legacy endpoint; v1 (`/i/v1/analytics/events`, Bearer) answers a result per event uuid.
    func postHog(_ request: Request, context: BasicRequestContext, v1: Bool) async throws -> Response {
        let headerKey = Credentials.key(in: request.headers)
        let authorized = v1 || headerKey != nil ? try await authorize(headerKey, context: context) : nil
        let bytes = try await BodyReader.read(request, limit: configuration.maxRequestBytes)
        let now = configuration.clock()
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            guard let authorized else {
                throw APIError.unauthorized("send the write key in api_key or as a Bearer token")
            }
            let entry = Entry(index: 0, result: .failure(MessageError(.invalidJSON, error.description)), raw: bytes)
            let outcome = try await store([entry], key: authorized, request: request, context: context, at: now)
            return .json(.object(outcome.fields(received: 1)), status: outcome.status)
        }
        let key: APIKey
        if let authorized {
            key = authorized
        } else {
            key = try await authorize(document.objectValue?["api_key"]?.stringValue, context: context)
        }
        let events: [JSONValue]
        switch document {
        case .array(let items): events = items
        case .object(let object):
            switch object["batch"] {
            case .array(let items)?: events = items
            case nil: events = [document]
            case .some:
                throw APIError.badRequest("`batch` must be an array of events")
            }
        default: events = [document]
        }
        let entries = events.enumerated().map { index, event in
            var raw: [UInt8] = []
            JSONWriter.write(event, into: &raw)
            let uuid = event.objectValue?["uuid"]?.stringValue
            guard raw.count <= Message.maxBytes else {
                let error = MessageError(
                    .tooLarge, "message is \(raw.count) bytes, over the limit of \(Message.maxBytes) bytes")
                return Entry(index: index, result: .failure(error), raw: raw, uuid: uuid)
            }
            let result = PostHog.messages(from: event, receivedAt: now).map { $0.map(StoredMessage.init) }
            return Entry(index: index, result: result, raw: raw, uuid: uuid)
        }
        let outcome = try await store(entries, key: key, request: request, context: context, at: now)
        guard v1 else {
            var fields = outcome.fields(received: entries.count)
            fields["status"] = .number(1)
            return .json(.object(fields), status: outcome.status)
        }
        var results: [String: JSONValue] = [:]
        for entry in entries {
            if let uuid = entry.uuid { results[uuid] = .object(["result": .string("ok")]) }
        }
        for failure in outcome.failures {
            if let uuid = failure.uuid {
                results[uuid] = .object([
                    "result": .string("drop"), "details": .string("\(failure.error.reason.rawValue): \(failure.error)"),
                ])
            }
        }
        return .json(.object(["results": .object(results)]))
    }

    /// The active write key a secret names; 401 when it is not one (saying so when it is an admin key).
    private func authorize(_ key: String?, context: BasicRequestContext) async throws -> APIKey {
        let route: Logger.Metadata = ["route": "\(context.endpointPath ?? "")"]
        guard let key else {
            context.logger.info("ingestion refused: no key", metadata: route)
            throw APIError.unauthorized(
                "send a write key as the HTTP Basic user, as a Bearer token, or in the body's writeKey field (PostHog: api_key)"
            )
        }
        guard let found = try await keys.check(key, kind: .write) else {
            if try await keys.check(key, kind: .admin) != nil {
                context.logger.info("ingestion refused: admin key", metadata: route)
                throw APIError.unauthorized(
                    "this is an admin key, not a write key: sending events takes a write key (`strata keys create --kind write`)"
                )
            }
            context.logger.info("ingestion refused: unknown key", metadata: route)
            throw APIError.unauthorized("the key is not an active write key")
        }
        return found
    }

    /// Stores the valid messages and quarantines the refused ones (as many as the limits allow) in one
    /// shared commit; 503 while the real-time engine is too far behind, 413 for too many messages.
    private func store(
        _ entries: [Entry], key: APIKey, request: Request, context: BasicRequestContext, at now: Int64
    )
        async throws -> Outcome
    {
        let lag = backlog.messages
        guard lag <= limits.maxLag else {
            metrics.recordLimited(.lag)
            throw APIError.overloaded(
                "the real-time engine is \(lag) messages behind, over the limit of \(limits.maxLag): retry later")
        }
        guard entries.count <= limits.maxMessagesPerRequest else {
            metrics.recordLimited(.messagesPerRequest)
            throw APIError.tooLarge(
                "the request holds \(entries.count) messages, over the limit of \(limits.maxMessagesPerRequest)")
        }
        var messages: [StoredMessage] = []
        // The entry of each message, by position in `entries`.
        var owners: [Int] = []
        var quarantine: [QuarantineEntry] = []
        var failures: [(index: Int, uuid: String?, error: MessageError)] = []
        let source = "\(request.method) \(request.uri.path)"
        for (position, entry) in entries.enumerated() {
            switch entry.result {
            case .success(let decoded):
                messages += decoded
                owners += repeatElement(position, count: decoded.count)
            case .failure(let error):
                failures.append((entry.index, entry.uuid, error))
                quarantine.append(
                    QuarantineEntry(source: source, index: entry.index, error: error, raw: entry.raw, receivedAt: now))
            }
        }
        let perRequest = min(quarantine.count, limits.maxQuarantinePerRequest)
        let kept = quota.take(perRequest, key: key.id, at: now)
        metrics.recordLimited(.quarantinePerRequest, count: quarantine.count - perRequest)
        metrics.recordLimited(.quarantinePerKey, count: perRequest - kept)
        let stored = try await commits.append(messages, quarantine: Array(quarantine.prefix(kept)))
        // The store refuses a message naming an erased id; its entry is refused with the reason.
        var erased: Set<Int> = []
        for (owner, fate) in zip(owners, stored.fates) where fate == .erased && erased.insert(owner).inserted {
            let error = MessageError(.erased, "the message names an id whose profile was erased; it was not stored")
            failures.append((entries[owner].index, entries[owner].uuid, error))
        }
        failures.sort { $0.index < $1.index }
        metrics.recordIngest(
            stored: stored.inserted, duplicates: stored.duplicates,
            refused: failures.map(\.error).filter { $0.reason != .erased })
        context.logger.debug(
            "ingested",
            metadata: [
                "route": "\(source)", "stored": "\(stored.inserted)", "duplicates": "\(stored.duplicates)",
                "quarantined": "\(failures.count)",
            ])
        return Outcome(stored: stored, failures: failures, quarantined: kept)
    }
}
