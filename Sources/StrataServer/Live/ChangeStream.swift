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
    let feed: ChangeFeed
    let segment: String?
    let after: Int64?

    func response() -> Response {
        let subscription = feed.subscribe(after: after, segment: segment)
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                // Ends the feed's subscription however the body ends (a client that hangs up included).
                defer { subscription.end() }
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: ": strata membership changes\n\n"))
                    for try await batch in subscription.changes {
                        try await writer.write(
                            ByteBuffer(string: batch.isEmpty ? ": keep-alive\n\n" : Self.events(batch)))
                    }
                } onGracefulShutdown: {
                    subscription.end()
                }
                try await writer.finish(nil)
            })
    }

    /// Server-sent events of changes: `id`, `event: change` and the change's JSON as data.
    static func events(_ changes: [RecordedChange]) -> String {
        var text = ""
        for recorded in changes {
            var bytes: [UInt8] = []
            JSONWriter.write(recorded.json, into: &bytes)
            text += "id: \(recorded.id)\nevent: change\ndata: \(String(decoding: bytes, as: UTF8.self))\n\n"
        }
        return text
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
