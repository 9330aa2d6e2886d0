import Foundation
import Logging
import StrataStore

extension KeyRing {
    /// The kinds of key of which no active one exists, write before admin.
    func missingKinds() async throws -> [APIKey.Kind] {
        let active = Set(try await store.keys().filter { $0.revokedAt == nil }.map(\.kind))
        return APIKey.Kind.allCases.filter { !active.contains($0) }
    }

    /// Warns, at the start of a server over a workspace, of each kind of key it has none of (nothing can
    /// send events without a write key, nothing can use the management API without an admin key), with
    /// the command that creates one.
    func warnOfMissingKinds(workspace: URL, logger: Logger) async {
        do {
            for kind in try await missingKinds() {
                let consequence =
                    switch kind {
                    case .write: "no active write key: every event sent is refused"
                    case .admin: "no active admin key: every request to the management API is refused"
                    }
                logger.warning(
                    "\(consequence)",
                    metadata: ["create": "strata keys create --kind \(kind.rawValue) -w \(workspace.path)"])
            }
        } catch {
            logger.error("cannot read the keys", metadata: ["error": "\(error)"])
        }
    }
}
