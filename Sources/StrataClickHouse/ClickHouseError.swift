/// A failure of the ClickHouse store: bad settings (naming the place in strata.yaml), a server that
/// cannot be reached, or an error ClickHouse answered with (its own message, as it sent it).
public struct ClickHouseError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the place or the server's message.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
