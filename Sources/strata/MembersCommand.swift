import ArgumentParser
import Foundation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata members NAME`: the members of one segment as of an instant.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List the members of a segment as of an instant.",
        discussion: """
            --format ids prints one profile id per line, sorted by bytes (a stable contract for tools). \
            csv and jsonl add first_seen, last_seen, the number of events and key traits (email, name, \
            plan and the traits the segment reads). Other definitions with errors are reported and left out: \
            the members are still listed, and the command exits 1.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ids, csv, jsonl
    }

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @ArgumentParser.Argument(help: "The segment's name.")
    var name: String

    @Option(name: .customLong("as-of"), help: "The evaluation instant (ISO 8601 or a date; default: now).")
    var asOf: InstantArgument?

    @Option(help: "Output format: ids, csv or jsonl.")
    var format: Format = .ids

    func run() async throws {
        let session = try await openSession(try openRuntime(try workspaceOptions.load()), leavingOutBroken: true)
        let segment = try session.requireSegment(name)
        if let settings = try session.requireClickHouseSettings() {
            guard format == .ids else {
                throw CommandError("with `store: clickhouse`, members lists ids only (--format ids)")
            }
            let answer = try await session.requireClickHouseMembers(
                settings, of: [name], asOf: asOf?.milliseconds ?? currentInstant())
            var out = OutputBuffer()
            for id in answer.members[name] ?? [] { out.line(id) }
            out.flush()
            try session.requireNoErrors()
            return
        }
        var traitPaths: [[String]] = []
        if format != .ids {
            var needs = DataNeeds()
            needs.add(segment.condition, scope: segment.of)
            let read = segment.of == .users ? needs.traits : needs.accountTraits
            traitPaths = segment.of == .users ? EvaluationSession.listingTraits : []
            for path in read.sorted(by: { $0.lexicographicallyPrecedes($1) }) where !traitPaths.contains(path) {
                traitPaths.append(path)
            }
        }
        let evaluation = try session.evaluateShowingProgress(
            asOf: asOf?.milliseconds ?? currentInstant(), extraTraits: segment.of == .users ? traitPaths : [])
        let result: SegmentResult
        do {
            result = try evaluation.engine.segment(named: name)
        } catch {
            throw CommandError(error)
        }
        let population = evaluation.population
        let timelines = population.timelines(result.kind)
        var out = OutputBuffer()
        switch format {
        case .ids:
            for id in result.members {
                out.line(id)
            }
        case .csv:
            let header = ["id", "first_seen", "last_seen", "events"] + traitPaths.map { $0.joined(separator: ".") }
            out.line(CSV.row(header))
            for (index, member) in result.flags.enumerated() where member {
                var row = [
                    timelines.ids[index], timelines.firstSeen(index).map(Instant.format) ?? "",
                    timelines.lastSeen(index).map(Instant.format) ?? "", String(timelines.events(of: index).count),
                ]
                row += traitPaths.map { population.trait($0, of: index, kind: result.kind).plainText }
                out.line(CSV.row(row))
            }
        case .jsonl:
            for (index, member) in result.flags.enumerated() where member {
                var traits: [String: JSONValue] = [:]
                for path in traitPaths {
                    let value = population.trait(path, of: index, kind: result.kind)
                    if !value.isMissing { traits[path.joined(separator: ".")] = value.json }
                }
                let object: [String: JSONValue] = [
                    "id": .string(timelines.ids[index]),
                    "first_seen": timelines.firstSeen(index).map { .string(Instant.format($0)) } ?? .null,
                    "last_seen": timelines.lastSeen(index).map { .string(Instant.format($0)) } ?? .null,
                    "events": .number(Double(timelines.events(of: index).count)),
                    "traits": .object(traits),
                ]
                out.line(JSONWriter.string(.object(object)))
            }
        }
        out.flush()
        try session.requireNoErrors()
    }
}
