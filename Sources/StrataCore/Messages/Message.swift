/// One message of Segment's HTTP tracking spec, normalised.
///
/// Page and screen calls carry their event name ("Page Viewed", "Screen Viewed") in ``event``
/// and their name, path, url, title, referrer and category in ``properties``.
public struct Message: Sendable, Hashable {
    /// The six message types of the tracking spec.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case track, identify, page, screen, group, alias

        /// Whether messages of this type are events on the profile's timeline.
        public var isEvent: Bool { self == .track || self == .page || self == .screen }

        /// A stable small integer for storage.
        public var code: Int {
            switch self {
            case .track: 0
            case .identify: 1
            case .page: 2
            case .screen: 3
            case .group: 4
            case .alias: 5
            }
        }

        /// The type for a storage code.
        public init?(code: Int) {
            switch code {
            case 0: self = .track
            case 1: self = .identify
            case 2: self = .page
            case 3: self = .screen
            case 4: self = .group
            case 5: self = .alias
            default: return nil
            }
        }
    }

    /// The message type.
    public var kind: Kind
    /// The client's message id; unique across the workspace. Derived from the content when absent.
    public var messageId: String
    /// The known user id.
    public var userId: String?
    /// The anonymous (device or cookie) id.
    public var anonymousId: String?
    /// The event name of track, page and screen calls.
    public var event: String?
    /// Event properties (track, page, screen).
    public var properties: [String: JSONValue]
    /// User traits (identify) or account traits (group).
    public var traits: [String: JSONValue]
    /// The account id of a group call.
    public var groupId: String?
    /// The previous id of an alias call.
    public var previousId: String?
    /// When the event happened, per the client (ms since epoch, UTC).
    public var timestamp: Int64?
    /// When the client sent the message.
    public var sentAt: Int64?
    /// When Strata received the message.
    public var receivedAt: Int64
    /// The client's context object, kept as sent.
    public var context: [String: JSONValue]?
    /// The client's integrations object, kept as sent.
    public var integrations: [String: JSONValue]?

    /// A message with the given fields.
    public init(
        kind: Kind, messageId: String, userId: String? = nil, anonymousId: String? = nil, event: String? = nil,
        properties: [String: JSONValue] = [:], traits: [String: JSONValue] = [:], groupId: String? = nil,
        previousId: String? = nil, timestamp: Int64? = nil, sentAt: Int64? = nil, receivedAt: Int64,
        context: [String: JSONValue]? = nil, integrations: [String: JSONValue]? = nil
    ) {
        self.kind = kind
        self.messageId = messageId
        self.userId = userId
        self.anonymousId = anonymousId
        self.event = event
        self.properties = properties
        self.traits = traits
        self.groupId = groupId
        self.previousId = previousId
        self.timestamp = timestamp
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.context = context
        self.integrations = integrations
    }

    /// Event time: the timestamp, else the time it was received.
    public var time: Int64 { timestamp ?? receivedAt }

    /// The id this message is about before identity resolution: the userId, else the anonymousId.
    public var subjectId: String? { userId ?? anonymousId }
}
