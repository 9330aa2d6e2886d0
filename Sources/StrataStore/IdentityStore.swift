import StrataCore

/// The identity links between user ids and anonymous ids, as the stored messages made them.
public protocol IdentityStore: Sendable {
    /// The identity graph built from every link at or before an instant.
    func identityGraph(asOf: Int64) async throws -> IdentityGraph
}
