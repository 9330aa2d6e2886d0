import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StrataCore
import StrataLanguage
import StrataStore

/// Segment-compatible destinations: an "Audience Entered" or "Audience Exited" track to a tracking
/// API's `/v1/track`, authenticated with the write key, with a message id derived from the delivery
/// so a retry is stored once.
public struct SegmentSender: Sender {
    /// The destination's settings.
    public let api: Destination.SegmentAPI
    /// The HTTP client.
    public let client: HTTPClient
    /// The workspace's name, in message ids.
    public let workspace: String

    /// A sender for a Segment-compatible destination of a workspace.
    public init(api: Destination.SegmentAPI, client: HTTPClient, workspace: String) {
        self.api = api
        self.client = client
        self.workspace = workspace
    }

    /// The track call of a payload.
    public static func track(_ payload: Payload, workspace: String) -> JSONValue {
        let delivery = payload.delivery
        var properties: [String: JSONValue] = [
            "audience": .string(delivery.segment), "activation": .string(delivery.activation),
            "step": .number(Double(delivery.step)), "cause": .string(delivery.cause),
        ]
        if let variant = delivery.variant { properties["variant"] = .string(variant) }
        return .object([
            "type": .string("track"), "event": .string(delivery.entered ? "Audience Entered" : "Audience Exited"),
            "userId": .string(delivery.profile), "messageId": .string("strata-\(workspace)-delivery-\(delivery.id)"),
            "timestamp": .string(Instant.format(delivery.changeInstant)), "properties": .object(properties),
            "traits": .object(payload.facts.traits),
        ])
    }

    public func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome {
        var base = api.url.reveal()
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + "/v1/track")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let credentials = Data((api.writeKey.reveal() + ":").utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.body = .bytes(ByteBuffer(string: JSONWriter.string(Self.track(payload, workspace: workspace))))
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return WebhookSender.outcome(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), now: now)
        } catch {
            return .retry(error: WebhookSender.describe(error), status: nil, after: nil)
        }
    }
}
