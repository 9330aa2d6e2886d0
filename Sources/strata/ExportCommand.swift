import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata export`: per-profile values for other tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export per-profile values for other tools.",
        subcommands: [ExportTraitsCommand.self])
}

/// `strata export traits`: every profile's computed traits (traits.yaml), scores and stages.
struct ExportTraitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traits",
        abstract: "Export every profile's computed traits (traits.yaml), scores and stages as of an instant.",
        discussion: """
            csv has a column per computed trait after id, in file order, then score.NAME and stage.NAME \
            columns in name order (missing values are empty); jsonl prints {"id": ..., "traits": {...}, \
            "scores": {...}, "stages": {...}} per profile, missing values as null.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl
    }

    @OptionGroup var options: EvaluationOptions

    @Option(help: "Output format: csv or jsonl.")
    var format: Format = .csv

    func run() async throws {
        let session = try await options.session()
        let definitions = session.definitions
        let sections: [(key: String, prefix: String, ids: [DefinitionID])] = [
            ("traits", "", definitions.computedTraits.map { DefinitionID(.computed, $0.name) }),
            ("scores", "score.", definitions.scores.map { DefinitionID(.score, $0.name) }.sorted { $0.name < $1.name }),
            (
                "stages", "stage.",
                definitions.stageModels.map { DefinitionID(.stage, $0.name) }.sorted { $0.name < $1.name }
            ),
        ]
        guard sections.contains(where: { !$0.ids.isEmpty }) else {
            throw CommandError("the workspace has no computed traits (traits.yaml), scores or stage models")
        }
        let evaluation = try session.evaluateShowingProgress(asOf: options.instant)
        var columns: [[[Value]]] = []
        for section in sections {
            var values: [[Value]] = []
            for id in section.ids {
                do {
                    values.append(try evaluation.engine.values(of: id))
                } catch {
                    throw CommandError(error)
                }
            }
            columns.append(values)
        }
        let ids = evaluation.population.users.ids
        var out = OutputBuffer()
        switch format {
        case .csv:
            let header = sections.flatMap { section in section.ids.map { section.prefix + $0.name } }
            out.line(CSV.row(["id"] + header))
            for profile in ids.indices {
                let values = columns.flatMap { $0.map { OutputBuffer.text($0[profile]) } }
                out.line(CSV.row([ids[profile]] + values))
            }
        case .jsonl:
            for profile in ids.indices {
                var object: [String: JSONValue] = ["id": .string(ids[profile])]
                for (section, values) in zip(sections, columns) where !section.ids.isEmpty {
                    let named = zip(section.ids, values).map { ($0.name, $1[profile].json) }
                    object[section.key] = .object(Dictionary(named, uniquingKeysWith: { a, _ in a }))
                }
                out.line(JSONWriter.string(.object(object)))
            }
        }
        out.flush()
    }
}
