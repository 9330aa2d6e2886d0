/// What email keeps besides the delivery log: the profiles that unsubscribed from a destination, and
/// the key that signs the links mail carries (unsubscribe, open and click links).
public protocol SuppressionStore: Sendable {
    /// Records that a profile unsubscribed from a destination (again is harmless: the first instant stays).
    func unsubscribe(profile: String, destination: String, at instant: Int64) async throws

    /// When a profile unsubscribed from a destination, nil when it did not.
    func unsubscribed(profile: String, destination: String) async throws -> Int64?

    /// The workspace's key for signing links: 32 random bytes made on first use and kept, so links in
    /// mail already sent stay valid across restarts.
    func linkKey() async throws -> [UInt8]
}

extension SuppressionStore {
    /// A new link key: 32 bytes from the system's secure random source.
    static func makeLinkKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
