import Crypto
import Foundation
import StrataCore
import StrataLanguage

/// What the outbox acts on: the workspace's activations, destinations, templates and messaging rules,
/// as checked definitions give them, with what decisions need besides (the control group's salt, the
/// workspace's zone, a fingerprint of each destination's file).
public struct ActivationSettings: Sendable {
    /// Activations by name.
    public private(set) var activations: [String: Activation]
    /// Destinations by name.
    public let destinations: [String: Destination]
    /// Templates by name.
    public let templates: [String: Template]
    /// The messaging rules.
    public let messaging: Messaging
    /// The scope of the global-control bucket: `messaging.salt`, else the workspace's name.
    public let salt: String
    /// The workspace's time zone (quiet hours of profiles without a valid `timezone` trait).
    public let zone: Zone
    /// A digest of each destination's file: a destination turned off by a 410 stays off until this changes.
    public let fingerprints: [String: String]
    /// The workspace's name (in email Message-IDs).
    public let workspace: String

    /// Settings from checked definitions, the definition files' texts and the workspace's name and zone.
    public init(definitions: Definitions, sources: [String: String], workspace: String, zone: Zone) {
        activations = Dictionary(definitions.activations.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        destinations = Dictionary(definitions.destinations.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        templates = Dictionary(definitions.templates.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        messaging = definitions.messaging
        salt = definitions.messaging.salt ?? workspace
        self.zone = zone
        self.workspace = workspace
        var fingerprints: [String: String] = [:]
        for destination in definitions.destinations {
            let digest = SHA256.hash(data: Data((sources[destination.file] ?? "").utf8))
            fingerprints[destination.name] = digest.map { String(format: "%02x", $0) }.joined()
        }
        self.fingerprints = fingerprints
    }

    /// The same settings with only some of the activations (a simulation leaves out those that cannot
    /// affect the one it simulates).
    public func keeping(activations names: Set<String>) -> ActivationSettings {
        var copy = self
        copy.activations = activations.filter { names.contains($0.key) }
        return copy
    }

    /// The activations a change triggers, by name.
    public func triggered(by change: MembershipChange) -> [Activation] {
        activations.values
            .filter { $0.segment == change.segment && ($0.trigger == .enter) == change.entered }
            .sorted { $0.name < $1.name }
    }

    /// The time zone of a profile: its `timezone` trait when that is a valid IANA name, else the workspace's.
    public func zone(of facts: ProfileFacts) -> Zone {
        if case .string(let name)? = facts.traits["timezone"], let zone = Zone(identifier: name) { return zone }
        return zone
    }
}
