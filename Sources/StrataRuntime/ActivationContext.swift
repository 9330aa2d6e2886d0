import Foundation
import StrataActivation
import StrataLanguage
import StrataStore
import Synchronization

/// The outbox's view of the workspace's definitions, read again when the files change: the settings
/// of the latest definitions that check without errors, and the session that reads profiles for them.
public final class ActivationContext: Sendable {
    /// What the outbox acts on now.
    public struct Current: Sendable {
        /// The activations, destinations, templates and rules.
        public var settings: ActivationSettings
        /// The session that reads profiles and evaluates `when` conditions.
        public var session: EvaluationSession
    }

    private let runtime: Runtime
    /// How long a look at the files is reused.
    private let refresh: Duration
    private let state = Mutex<(files: [String: String], current: Current?, checked: ContinuousClock.Instant?)>(
        ([:], nil, nil))

    /// A context over a runtime, looking at the definition files at most once per `refresh`.
    public init(runtime: Runtime, refresh: Duration = .seconds(1)) {
        self.runtime = runtime
        self.refresh = refresh
    }

    /// The settings and session of the current definitions; nil while they have errors (the errors are
    /// what `strata check` and the server's logs report).
    public func current() async -> Current? {
        let now = ContinuousClock.now
        let (known, cached, checked) = state.withLock { $0 }
        if let checked, now - checked < refresh { return cached }
        let files = DefinitionFiles.read(from: runtime.workspace.root).files
        if let cached, files == known {
            state.withLock { $0.checked = now }
            return cached
        }
        guard let session = try? await runtime.session() else {
            state.withLock { $0 = (files, nil, now) }
            return nil
        }
        let current = Current(settings: session.activationSettings, session: session)
        state.withLock { $0 = (files, current, now) }
        return current
    }
}
