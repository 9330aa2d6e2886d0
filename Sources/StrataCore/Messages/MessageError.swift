/// Why a message was refused. Every refused message is quarantined with one of these.
public struct MessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of refusal; each has a stable code used in quarantine and statistics.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The text is not valid JSON.
        case invalidJSON = "invalid_json"
        /// The JSON is valid but is not an object.
        case notAnObject = "not_an_object"
        /// `type` is absent or not one of the six message types.
        case unknownType = "unknown_type"
        /// Neither userId nor anonymousId is present.
        case missingId = "missing_id"
        /// A track call without an event name.
        case missingEvent = "missing_event"
        /// A group call without a groupId.
        case missingGroupId = "missing_group_id"
        /// An alias call without a previousId or userId.
        case missingPreviousId = "missing_previous_id"
        /// timestamp, sentAt or receivedAt cannot be read as an ISO 8601 instant.
        case invalidTimestamp = "invalid_timestamp"
        /// The message is larger than 32 KB.
        case tooLarge = "too_large"
        /// A field has the wrong JSON type.
        case wrongType = "wrong_type"
        /// An id holds a control character (a line break, a tab).
        case invalidId = "invalid_id"
        /// A row of a delimited file cannot be split (unclosed quote, invalid UTF-8).
        case invalidRow = "invalid_row"
        /// The message id is stored already, with different content (the stored message is kept).
        case conflictingDuplicate = "conflicting_duplicate"
        /// The message names an id whose profile was erased: refused, and not quarantined either.
        case erased = "erased"
    }

    /// The kind of refusal.
    public var reason: Reason
    /// The field at fault, when there is one (for example `timestamp`).
    public var field: String?
    /// A sentence saying what was found and what was expected.
    public var message: String

    /// An error of a kind, with the field at fault and a sentence.
    public init(_ reason: Reason, field: String? = nil, _ message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(reason.rawValue) (\(field)): \(message)" }
        return "\(reason.rawValue): \(message)"
    }
}
