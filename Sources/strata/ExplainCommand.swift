import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// `strata explain NAME ID`: why a profile is or is not in a segment.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a profile is or is not in a segment: every sub-expression with its value.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @ArgumentParser.Argument(help: "The segment's name.")
    var name: String

    @ArgumentParser.Argument(help: "A profile id (userId or anonymousId), or a groupId for a segment of accounts.")
    var id: String

    @Option(name: .customLong("as-of"), help: "The evaluation instant (ISO 8601 or a date; default: now).")
    var asOf: InstantArgument?

    func run() async throws {
        let workspace = try workspaceOptions.load()
        let store = try openStore(workspace)
        let instant = asOf?.milliseconds ?? currentInstant()
        let loaded = try await EngineSession.definitions(of: workspace, store: store)
        _ = try EngineSession.requireSegment(name, in: loaded.definitions)
        let session = try await EngineSession.load(
            workspace: workspace, store: store, loaded: loaded, asOf: instant)
        do {
            let explanation = try session.engine.explain(segment: name, profile: id, sources: session.sources)
            if explanation.profile != id { print("\(id) belongs to profile \(explanation.profile)") }
            print(explanation.render())
            let next = try session.engine.nextChange(ofSegment: name, profile: explanation.profile)
            print(
                next.map { "Without new events, the answer can next change at \(Instant.format($0))." }
                    ?? "Without new events, the answer stays as it is.")
        } catch {
            throw CommandError(error.file == nil ? error.message : error.description)
        }
    }
}
