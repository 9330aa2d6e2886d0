import StrataLanguage
import StrataStore

/// What an attempt to send a delivery came to.
public enum SendOutcome: Sendable, Equatable {
    /// The destination accepted it (with the receiver's status code, for HTTP).
    case sent(status: Int?)
    /// It failed in a way worth trying again: a connection error, a timeout, 408, 429 or 5xx; `after` is
    /// the receiver's `Retry-After` (ms), when it gave one.
    case retry(error: String, status: Int?, after: Int64?)
    /// It failed for good; `disable` turns the destination off (410 Gone).
    case fail(error: String, status: Int?, disable: Bool)
}

/// Sends deliveries to one destination.
public protocol Sender: Sendable {
    /// One attempt to send a payload, rendering the step's template (nil for the default body) at `now`
    /// (Unix ms, for signatures).
    func send(_ payload: Payload, template: Template?, now: Int64) async -> SendOutcome
}
