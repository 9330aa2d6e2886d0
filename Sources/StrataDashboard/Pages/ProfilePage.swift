import StrataCore

/// A profile's page: its ids and the links refused, its traits and account, what the engine computes
/// of it (computed traits, scores, stages, RFM), its segments with why it is in each, its recent
/// events and its deliveries. It shows the object `GET /api/v1/profiles/{id}` answers.
public struct ProfilePage: Sendable {
    /// Why the profile is in a segment, as `strata explain` renders the tree.
    public struct Explained: Sendable, Equatable {
        public var segment: String
        public var explanation: String
        /// The segment's page.
        let href: String

        /// A segment and its explanation.
        public init(segment: String, explanation: String) {
            self.segment = segment
            self.explanation = explanation
            href = Paths.segment(segment)
        }
    }

    /// A delivery to the profile.
    public struct Delivery: Sendable, Equatable {
        public var due: String
        public var activation: String
        public var step: Int
        public var status: String

        /// A delivery from its parts.
        public init(due: String, activation: String, step: Int, status: String) {
            self.due = due
            self.activation = activation
            self.step = step
            self.status = status
        }
    }

    /// A name and its value as text.
    struct Entry: Sendable {
        var name: String
        var value: String
    }

    /// A titled list of entries.
    struct Group: Sendable {
        var title: String
        var entries: [Entry]
        /// Whether it has entries (templates see stored properties only).
        var listed: Bool
    }

    struct Event: Sendable {
        var instant: String
        var name: String
        var properties: String
    }

    let id: String
    let facts: [Entry]
    let groups: [Group]
    let segments: [Explained]
    let events: [Event]
    let deliveries: [Delivery]
    let delivered: Bool

    /// The page of a profile object as the API answers it, with the explanation of each of its
    /// segments and its deliveries.
    public init(profile: [String: JSONValue], explained: [Explained], deliveries: [Delivery]) {
        id = profile["id"]?.stringValue ?? ""
        let ids = (profile["ids"].flatMap(Self.array) ?? []).map { node in
            "\(node.objectValue?["type"]?.stringValue ?? "") \(node.objectValue?["id"]?.stringValue ?? "")"
        }
        let conflicts = (profile["conflicts"].flatMap(Self.array) ?? []).map { conflict in
            let object = conflict.objectValue ?? [:]
            return "\(Self.text(object["id"])) stays with \(Self.text(object["keptUser"])), not "
                + "\(Self.text(object["refusedUser"])) (\(Self.text(object["time"])))"
        }
        let account = profile["account"]?.objectValue
        facts = [
            Entry(name: "Ids", value: ids.joined(separator: ", ")),
            Entry(name: "Refused links", value: conflicts.isEmpty ? "none" : conflicts.joined(separator: "; ")),
            Entry(name: "First seen", value: Self.text(profile["firstSeen"])),
            Entry(name: "Last seen", value: Self.text(profile["lastSeen"])),
            Entry(name: "Account", value: account.map { Self.text($0["id"]) } ?? "none"),
            Entry(name: "Evaluated at", value: Self.text(profile["evaluatedAt"])),
        ]
        groups = [
            ("Traits", profile["traits"]), ("Account traits", account?["traits"]),
            ("Computed traits", profile["computed"]),
            ("Scores", profile["scores"]), ("Stages", profile["stages"]), ("RFM", profile["rfm"]),
            ("Event counts", profile["eventCounts"]), ("Missing values", profile["missing"]),
        ].map { title, value in
            let entries = (value?.objectValue ?? [:]).sorted { $0.key < $1.key }.map {
                Entry(name: $0.key, value: Self.text($0.value))
            }
            return Group(title: title, entries: entries, listed: !entries.isEmpty)
        }
        segments = explained
        events = (profile["recentEvents"].flatMap(Self.array) ?? []).map { event in
            let object = event.objectValue ?? [:]
            let properties = object["properties"].map(Self.text) ?? "{}"
            return Event(
                instant: Self.text(object["timestamp"]), name: Self.text(object["event"]),
                properties: properties == "{}" ? "" : properties)
        }
        self.deliveries = deliveries
        delivered = !deliveries.isEmpty
    }

    private static func array(_ value: JSONValue) -> [JSONValue]? {
        guard case .array(let items) = value else { return nil }
        return items
    }

    /// A value as the page shows it: text as it is, anything else as JSON, a dash for none.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "–"
        case .string(let text)?: return text
        case let value?:
            var bytes: [UInt8] = []
            JSONWriter.write(value, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
