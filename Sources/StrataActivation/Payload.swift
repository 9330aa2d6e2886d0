import Foundation
import Mustache
import StrataCore
import StrataLanguage
import StrataStore

/// What a destination sends for a delivery: the default JSON body, and the Mustache context that
/// templates render with.
public struct Payload: Sendable {
    /// The delivery.
    public var delivery: Delivery
    /// The profile as of the step's due instant.
    public var facts: ProfileFacts
    /// The attempt this payload is for (1 for the first).
    public var attempt: Int
    /// Whether the activation is marketing (email gets an unsubscribe link) rather than transactional.
    public var marketing: Bool

    /// A payload from its parts.
    public init(delivery: Delivery, facts: ProfileFacts, attempt: Int, marketing: Bool = true) {
        self.delivery = delivery
        self.facts = facts
        self.attempt = attempt
        self.marketing = marketing
    }

    /// `segment.entered` or `segment.exited`.
    public var type: String { delivery.entered ? "segment.entered" : "segment.exited" }

    /// The default body of webhooks and file lines.
    public var json: JSONValue {
        .object([
            "id": .string(String(delivery.id)), "type": .string(type), "activation": .string(delivery.activation),
            "step": .number(Double(delivery.step)), "variant": delivery.variant.map { .string($0) } ?? .null,
            "segment": .string(delivery.segment), "profile": facts.json,
            "instant": .string(Instant.format(delivery.changeInstant)), "cause": .string(delivery.cause),
            "change_id": .number(Double(delivery.changeID)), "attempt": .number(Double(attempt)),
        ])
    }

    /// The Mustache context: `profile` (id, traits, account), `segment`, `activation`, `variant`,
    /// `change` (instant, cause), `delivery` (id), and any extra keys (`unsubscribe_url` for email).
    public func context(extra: [String: String] = [:]) -> [String: Any] {
        var context: [String: Any] = [
            "profile": Self.mustache(facts.json), "segment": delivery.segment, "activation": delivery.activation,
            "change": ["instant": Instant.format(delivery.changeInstant), "cause": delivery.cause],
            "delivery": ["id": String(delivery.id)],
        ]
        if let variant = delivery.variant { context["variant"] = variant }
        for (key, value) in extra { context[key] = value }
        return context
    }

    /// A JSON value as Mustache reads it: objects as dictionaries, arrays as arrays, numbers without a
    /// trailing `.0` when whole.
    static func mustache(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): return text
        case .array(let items): return items.map(mustache)
        case .object(let object): return object.mapValues(mustache)
        }
    }
}

/// Renders templates with the escaping of what they produce.
public enum Rendering {
    /// What a rendered template becomes, which decides how values are escaped.
    public enum Output: String, Sendable {
        /// Plain text (email text parts, file paths): nothing escaped.
        case text = "TEXT"
        /// HTML (email HTML parts): HTML escaped.
        case html = "HTML"
        /// JSON (webhook bodies): values escaped as inside a JSON string.
        case json = "JSON"
    }

    /// Escapes text for the inside of a JSON string.
    struct JSONStringContent: MustacheContentType {
        func escapeText(_ text: String) -> String {
            var bytes: [UInt8] = []
            JSONWriter.writeString(text, into: &bytes)
            return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
        }
    }

    private static let registered: Void = MustacheContentTypes.register(JSONStringContent(), named: "JSON")

    /// Renders a template text for an output with a context; a template that does not parse (which
    /// `strata check` refuses) renders as an error.
    public static func render(_ text: String, as output: Output, context: [String: Any]) throws -> String {
        _ = registered
        let template = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(output.rawValue)}}" + text)
        return template.render(context)
    }
}
