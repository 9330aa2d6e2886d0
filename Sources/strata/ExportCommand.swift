import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// `strata export`: per-profile values for other tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export per-profile values for other tools.",
        subcommands: [ExportTraitsCommand.self])
}

/// `strata export traits`: every profile's computed traits (traits.yaml).
struct ExportTraitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traits",
        abstract: "Export every profile's computed traits (traits.yaml) as of an instant.",
        discussion: """
            csv has a column per computed trait after id, in file order (missing values are empty); jsonl \
            prints {"id": ..., "traits": {...}} per profile, missing values as null.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl
    }

    @OptionGroup var options: EvaluationOptions

    @Option(help: "Output format: csv or jsonl.")
    var format: Format = .csv

    func run() async throws {
        let opened = try await options.open()
        let loaded = opened.loaded
        let traits = loaded.definitions.computedTraits
        guard !traits.isEmpty else { throw CommandError("the workspace has no computed traits (traits.yaml)") }
        let session = try await opened.session()
        var columns: [[Value]] = []
        for trait in traits {
            do {
                columns.append(try session.engine.values(of: trait))
            } catch {
                throw CommandError(error)
            }
        }
        let ids = session.population.users.ids
        var out = OutputBuffer()
        switch format {
        case .csv:
            out.line(CSV.row(["id"] + traits.map(\.name)))
            for profile in ids.indices {
                out.line(CSV.row([ids[profile]] + columns.map { OutputBuffer.text($0[profile]) }))
            }
        case .jsonl:
            for profile in ids.indices {
                let values = zip(traits, columns).map { ($0.name, $1[profile].json) }
                let object: [String: JSONValue] = [
                    "id": .string(ids[profile]),
                    "traits": .object(Dictionary(values, uniquingKeysWith: { a, _ in a })),
                ]
                out.line(JSONWriter.string(.object(object)))
            }
        }
        out.flush()
    }
}
