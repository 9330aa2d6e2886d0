import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
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
        let session = try await openSession(try openRuntime(try workspaceOptions.load()))
        _ = try session.requireSegment(name)
        let evaluation = try session.evaluateShowingProgress(asOf: asOf?.milliseconds ?? currentInstant())
        do {
            let explanation = try evaluation.engine.explain(segment: name, profile: id, sources: session.sources)
            if explanation.profile != id { print("\(id) belongs to profile \(explanation.profile)") }
            print(explanation.render())
            let next = try evaluation.engine.nextChange(ofSegment: name, profile: explanation.profile)
            print(
                next.map { "Without new events, the answer can next change at \(Instant.format($0))." }
                    ?? "Without new events, the answer stays as it is.")
        } catch {
            throw CommandError(error.file == nil ? error.message : error.description)
        }
    }
}
