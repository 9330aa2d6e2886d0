import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata profile ID`: what Strata knows about one person.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Show a profile: traits, account, linked ids, first/last seen, event counts, recent events.",
        discussion: """
            With scores, stage models or traits.yaml, the profile's scores, stages and computed traits \
            too, evaluated over the profile's own messages; when one of them ranks the profile among the \
            others (percentile, RFM) or reads its account, over the whole store.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @ArgumentParser.Argument(help: "A userId or anonymousId.")
    var id: String

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(name: .customLong("as-of"), help: "Show the profile as of this instant (ISO 8601 or a date).")
    var asOf: InstantArgument?

    @Option(help: "How many recent events to show.")
    var recent: Int = 10

    func run() async throws {
        let runtime = try openRuntime(try workspaceOptions.load())
        let instant = asOf?.milliseconds ?? currentInstant()
        // Read once: summarised here and, for profile-local definitions, evaluated alone.
        guard let found = try await runtime.store.profileMessages(id: id, asOf: instant) else {
            throw CommandError("no profile with id `\(id)` (neither a userId nor an anonymousId in the store)")
        }
        let profile = Profile(
            key: found.key, ids: found.ids, messages: found.messages, accountMessages: found.accountMessages,
            conflicts: found.conflicts, asOf: instant, recent: recent)
        let evaluated = try await Self.evaluated(of: id, found: found, runtime: runtime, asOf: instant)
        switch format {
        case .json:
            var json = profile.json
            if case .object(var object) = json {
                for (key, values) in evaluated where !values.isEmpty {
                    object[key.jsonKey] = .object(
                        Dictionary(values.map { ($0.name, $0.value.json) }, uniquingKeysWith: { a, _ in a }))
                }
                json = .object(object)
            }
            print(JSONWriter.string(json))
        case .text:
            print(ProfileText.text(profile, evaluated: evaluated))
        }
    }

    /// What the definitions say about a profile: its computed traits, scores and stages.
    enum Section: CaseIterable {
        case computed, scores, stages

        /// The key in `--format json`.
        var jsonKey: String {
            switch self {
            case .computed: "computedTraits"
            case .scores: "scores"
            case .stages: "stages"
            }
        }

        /// The heading in text.
        var heading: String {
            switch self {
            case .computed: "computed traits"
            case .scores: "scores"
            case .stages: "stages"
            }
        }
    }

    /// The profile's computed traits (traits.yaml), scores and stages, each in definition order; none
    /// when the workspace defines none. When the definitions have errors, says so on standard error
    /// and shows none.
    static func evaluated(
        of id: String, found: ProfileMessages, runtime: Runtime, asOf instant: Int64
    ) async throws -> [(Section, [ProfileValues.Entry])] {
        let session: EvaluationSession
        do throws(SessionError) {
            session = try await runtime.session()
        } catch {
            guard error.code == .invalidDefinitions else { throw reported(error) }
            printError(
                "scores, stages and computed traits are not shown: the definitions have errors (see `strata check`)")
            return []
        }
        let definitions = session.definitions
        guard !(definitions.computedTraits.isEmpty && definitions.scores.isEmpty && definitions.stageModels.isEmpty)
        else { return [] }
        let read =
            definitions.computedTraits.map { DefinitionID(.computed, $0.name) }
            + definitions.scores.map { DefinitionID(.score, $0.name) }
            + definitions.stageModels.map { DefinitionID(.stage, $0.name) }
        let evaluation = try session.evaluateShowingProgress(of: found, reading: read, asOf: instant)
        guard let index = evaluation.population.userIndex(forID: id) else { return [] }
        do {
            let values = try evaluation.engine.values(ofProfile: index)
            return [(.computed, values.computed), (.scores, values.scores), (.stages, values.stages)]
        } catch {
            throw CommandError(error)
        }
    }
}

/// Renders profiles as text for the terminal.
enum ProfileText {
    static func text(
        _ profile: Profile, evaluated: [(ProfileCommand.Section, [ProfileValues.Entry])] = []
    ) -> String {
        var lines = ["Profile \(profile.key)"]
        let ids = profile.ids.map { "\($0.isUser ? "userId" : "anonymousId") \($0.id)" }
        lines.append("  ids          \(ids.joined(separator: ", "))")
        lines.append("  first seen   \(profile.firstSeen.map(Instant.format) ?? "never")")
        lines.append("  last seen    \(profile.lastSeen.map(Instant.format) ?? "never")")
        if let account = profile.account {
            lines.append("  account      \(account)")
            for (key, value) in profile.accountTraits.sorted(by: { $0.key < $1.key }) {
                lines.append("    \(key): \(render(value))")
            }
        }
        lines.append("traits")
        if profile.traits.isEmpty { lines.append("  (none)") }
        for (key, value) in profile.traits.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(key): \(render(value))")
        }
        for (section, values) in evaluated where !values.isEmpty {
            lines.append(section.heading)
            for entry in values {
                let value = entry.value
                let text =
                    value.isMissing ? "missing" + (entry.missingReason.map { " (\($0))" } ?? "") : value.plainText
                lines.append("  \(entry.name): \(text)")
            }
        }
        let total = profile.eventCounts.values.reduce(0, +)
        lines.append("events (\(grouped(total)))")
        let width = profile.eventCounts.keys.map(\.count).max() ?? 0
        for (name, count) in profile.eventCounts.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            lines.append("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(grouped(count))")
        }
        if !profile.recentEvents.isEmpty {
            lines.append("recent events")
            for event in profile.recentEvents {
                let properties = event.properties.isEmpty ? "" : "  " + JSONWriter.string(.object(event.properties))
                lines.append("  \(Instant.format(event.time))  \(event.event ?? "")\(properties)")
            }
        }
        for conflict in profile.conflicts {
            lines.append(
                "note: \(conflict.id) was also linked to \(conflict.refusedUser) at \(Instant.format(conflict.time)); it stays with \(conflict.keptUser)"
            )
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return JSONWriter.string(value)
    }
}
