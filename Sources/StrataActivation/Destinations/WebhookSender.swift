import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import StrataCore
import StrataLanguage
import StrataStore

/// Webhooks: a JSON POST signed per the Standard Webhooks specification.
public struct WebhookSender: Sender {
    /// The destination's settings.
    public let webhook: Destination.Webhook
    /// The HTTP client (shared by every HTTP destination).
    public let client: HTTPClient

    /// A sender for a webhook destination.
    public init(webhook: Destination.Webhook, client: HTTPClient) {
        self.webhook = webhook
        self.client = client
    }

    public func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome {
        let body: String
        do {
            body =
                try template.map { try Rendering.render($0.text, as: .json, context: payload.context()) }
                ?? JSONWriter.string(payload.json)
        } catch {
            return .fail(error: "the body template did not render: \(error)", status: nil, disable: false)
        }
        var request = HTTPClientRequest(url: webhook.url.reveal())
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Strata-Webhooks/\(StrataVersion.current)")
        let id = String(payload.delivery.id)
        let timestamp = String(now / 1000)
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: timestamp)
        if let secret = webhook.secret,
            let signature = Self.signature(id: id, timestamp: timestamp, body: body, secret: secret)
        {
            request.headers.add(name: "webhook-signature", value: signature)
        }
        for (name, value) in webhook.headers { request.headers.add(name: name, value: value.reveal()) }
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(webhook.timeout))
            // The body is read and dropped, so the connection can be used again.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Self.outcome(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), now: now)
        } catch {
            return .retry(error: Self.describe(error), status: nil, after: nil)
        }
    }

    /// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's key (the base64 after
    /// `whsec_`); nil for a secret that is not one (which `strata check` refuses).
    public static func signature(id: String, timestamp: String, body: String, secret: Secret) -> String? {
        let text = secret.reveal()
        guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// What an HTTP status means for a delivery: 2xx sent; 408, 429 and 5xx retried (after `Retry-After`
    /// when given, in seconds or as an HTTP date); 410 fails and turns the destination off; other codes fail.
    public static func outcome(status: Int, retryAfter: String?, now: Int64) -> SendOutcome {
        switch status {
        case 200..<300: return .sent(status: status)
        case 408, 429, 500..<600:
            return .retry(error: "HTTP \(status)", status: status, after: retryAfter.flatMap { delay($0, now: now) })
        case 410:
            return .fail(
                error: "HTTP 410 Gone: the destination is turned off until its file is edited", status: status,
                disable: true)
        default: return .fail(error: "HTTP \(status)", status: status, disable: false)
        }
    }

    /// A `Retry-After` value in ms from now: whole seconds, or an HTTP date.
    static func delay(_ value: String, now: Int64) -> Int64? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed), seconds >= 0 { return min(seconds, 86_400) * 1000 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, Int64(date.timeIntervalSince1970 * 1000) - now)
    }

    /// A connection error or a timeout, in words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
        }
        return "could not reach the endpoint: \(PlainError.describeConnection(error))"
    }
}
