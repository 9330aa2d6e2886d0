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
        let segment = try session.requireSegment(name)
        let instant = asOf?.milliseconds ?? currentInstant()
        if let settings = try session.requireClickHouseSettings() {
            let explanation: Explanation
            do throws(SessionError) {
                explanation = try await session.clickHouseExplain(settings, segment: segment, id: id, asOf: instant)
            } catch {
                throw reported(error)
            }
            if explanation.profile != id { print("\(id) belongs to profile \(explanation.profile)") }
            print(explanation.render())
            print("On ClickHouse, the value of each top-level condition; the embedded store explains every part.")
            return
        }
        let evaluation = try session.evaluateShowingProgress(
            of: try await session.store.profileMessages(id: id, asOf: instant),
            reading: [DefinitionID(.segment, segment.name)], asOf: instant)
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
        for note in try await Self.textNumberNotes(session, segment: segment, profile: id, asOf: instant) {
            print(note)
        }
    }

    /// Notes on the numeric aggregates of a segment whose property the profile's events hold as text
    /// ("price is text in 3 of ann's 5 "Product Added" events that carry it: sum skips them").
    static func textNumberNotes(
        _ session: EvaluationSession, segment: SegmentDefinition, profile id: String, asOf instant: Int64
    ) async throws -> [String] {
        let reads = NumericPropertyRead.reads(in: segment.condition, file: segment.file, scope: segment.of)
        guard !reads.isEmpty, segment.of == .users,
            let messages = try await session.store.profileMessages(id: id, asOf: instant)
        else { return [] }
        return TextNumbers.tally(reads, in: messages.messages.map(\.message)).filter { $0.texts > 0 }.map { tally in
            "note: `\(tally.read.property.joined(separator: "."))` is text, not a number, in \(tally.texts) of the "
                + "\(tally.numbers + tally.texts) \(tally.events) of \(id) that carry it: \(tally.read.function) skips them"
        }
    }
}
