import Foundation
import Logging
import StrataStore

extension KeyRing {
    /// The kinds of key a server needs, write before admin, with what goes wrong without one (a viewer
    /// key is optional: an admin key signs in to the dashboard too).
    static let needed: [(kind: APIKey.Kind, consequence: String)] = [
        (.write, "no active write key: every event sent is refused"),
        (.admin, "no active admin key: every request to the management API is refused"),
    ]

    /// The kinds of key a server needs of which no active one exists, write before admin.
    func missingKinds() async throws -> [APIKey.Kind] {
        let active = Set(try await store.keys().filter { $0.revokedAt == nil }.map(\.kind))
        return Self.needed.map(\.kind).filter { !active.contains($0) }
    }

    /// Warns, at the start of a server over a workspace, of each kind of key it needs and has none of,
    /// with the command that creates one.
    func warnOfMissingKinds(workspace: URL, logger: Logger) async {
        do {
            let missing = try await missingKinds()
            for (kind, consequence) in Self.needed where missing.contains(kind) {
                logger.warning(
                    "\(consequence)",
                    metadata: ["create": "strata keys create --kind \(kind.rawValue) -w \(workspace.path)"])
            }
        } catch {
            logger.error("cannot read the keys", metadata: ["error": "\(error)"])
        }
    }
}
