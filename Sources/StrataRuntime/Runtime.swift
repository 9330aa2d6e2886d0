import Foundation
import StrataCore
import StrataStore

/// The one place that builds things from `strata.yaml`: the workspace's store, and the evaluation
/// sessions over it (``EvaluationSession``). The command line and the server start here, so that a
/// new kind of store is chosen in this file alone.
public struct Runtime: Sendable {
    /// The workspace.
    public let workspace: Workspace
    /// Its store: messages, identity, changes, models and keys.
    public let store: any Store

    /// A runtime over a workspace and a store already open (tests use an in-memory store).
    public init(workspace: Workspace, store: any Store) {
        self.workspace = workspace
        self.store = store
    }

    /// Opens the store that the workspace's `strata.yaml` names, creating it when it does not exist.
    public static func open(_ workspace: Workspace, durability: Durability = .full) throws(WorkspaceError) -> Runtime {
        switch workspace.config.store {
        case .sqlite:
            let url = workspace.databaseURL
            do {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                return Runtime(workspace: workspace, store: try SQLiteStore(path: url.path, durability: durability))
            } catch {
                throw WorkspaceError("cannot open the store at \(url.path): \(PlainError.describe(error))")
            }
        }
    }

    /// The workspace's definitions, checked against what the store holds (see ``CheckedDefinitions``).
    public func checkDefinitions() async throws(SessionError) -> CheckedDefinitions {
        try await CheckedDefinitions.check(workspace, store: store)
    }

    /// An evaluation session over the workspace's definitions as they are on disk now; when they have
    /// errors, fails, or leaves the broken ones out when `leavingOutBroken` (``EvaluationSession/errors``).
    public func session(leavingOutBroken: Bool = false) async throws(SessionError) -> EvaluationSession {
        var session = try EvaluationSession(
            workspace: workspace, store: store, checked: try await checkDefinitions(),
            leavingOutBroken: leavingOutBroken)
        if let timelinesURL {
            do {
                session.timelines = TimelineFile(url: timelinesURL, erasures: try await store.erasedCount())
            } catch {
                throw .store(error)
            }
        }
        return session
    }

    /// What keeps the timelines file current through an import (``ImportTimelines``), reading what the
    /// definitions on disk read (the broken ones left out); nil for a store without the file.
    public func importTimelines() async throws(SessionError) -> ImportTimelines? {
        try ImportTimelines(session: try await session(leavingOutBroken: true))
    }

    /// The timelines file of a store kept in files (beside its database), or nil.
    public var timelinesURL: URL? {
        (store as? SQLiteStore).map { SQLiteStore.timelinesURL(database: $0.path) }
    }
}
