import Hummingbird
import ServiceLifecycle
import StrataCore
import StrataStore

/// `GET /api/v1/changes/stream`: membership changes as server-sent events, live.
///
/// Each event is `id: <change id>`, `event: change` and one line of JSON data. A client that
/// reconnects with `Last-Event-ID` (or `?after=`) first gets every change recorded after that id from
/// the store, then the live ones, with none twice and none missing. `?segment=` keeps one segment.
/// Comments (`: keep-alive`) go out when nothing else does, so proxies keep the connection open.
struct ChangeStream: Sendable {
    /// The `Last-Event-ID` a reconnecting client sends, if any.
    static func lastEventID(in headers: HTTPFields) -> String? {
        headers.first { $0.name.canonicalName == "last-event-id" }?.value
    }
    /// Changes read from the store per page when catching up.
    static let page = 1_000

    let store: any Store
    let broadcast: ChangeBroadcast
    let segment: String?
    let after: Int64?

    func response() -> Response {
        let subscription = broadcast.subscribe()
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                defer { broadcast.end(subscription.id) }
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: ": strata membership changes\n\n"))
                    var last = after
                    if let after {
                        var cursor = after
                        while true {
                            let changes = try await store.changes(
                                segment: segment, since: nil, after: cursor, limit: Self.page)
                            try await write(changes, after: &last, to: &writer)
                            guard changes.count == Self.page, let end = changes.last?.id else { break }
                            cursor = end
                        }
                    }
                    for await batch in subscription.changes {
                        if batch.isEmpty {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        } else {
                            try await write(batch, after: &last, to: &writer)
                        }
                    }
                } onGracefulShutdown: {
                    broadcast.end(subscription.id)
                }
                try await writer.finish(nil)
            })
    }

    /// Writes the changes after `last` that match the segment filter, and moves `last`.
    private func write(
        _ changes: [RecordedChange], after last: inout Int64?, to writer: inout any ResponseBodyWriter
    ) async throws {
        var text = ""
        for recorded in changes where last.map({ recorded.id > $0 }) ?? true {
            last = recorded.id
            guard segment.map({ $0 == recorded.change.segment }) ?? true else { continue }
            var bytes: [UInt8] = []
            JSONWriter.write(recorded.json, into: &bytes)
            text += "id: \(recorded.id)\nevent: change\ndata: \(String(decoding: bytes, as: UTF8.self))\n\n"
        }
        if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
    }
}

extension RecordedChange {
    /// `{"id", "segment", "profile", "direction": "enter"|"exit", "instant", "cause", "message_id",
    /// "recorded_at"}`, instants in ISO 8601.
    var json: JSONValue {
        .object([
            "id": .number(Double(id)), "segment": .string(change.segment), "profile": .string(change.profile),
            "direction": .string(change.entered ? "enter" : "exit"), "instant": .string(Instant.format(change.instant)),
            "cause": .string(change.cause.name), "message_id": change.cause.messageId.map(JSONValue.string) ?? .null,
            "recorded_at": .string(Instant.format(recordedAt)),
        ])
    }
}
