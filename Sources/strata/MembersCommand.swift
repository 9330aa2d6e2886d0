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
        let instant = asOf?.milliseconds ?? currentInstant()
        var out = OutputBuffer()
        if let settings = try session.requireClickHouseSettings() {
            let answer = try await session.requireClickHouseMembers(
                settings, of: [name], asOf: instant, listing: format == .ids ? nil : traitPaths)
            if format == .ids {
                for id in answer.members[name] ?? [] { out.line(id) }
            } else {
                write(answer.listed[name] ?? [], traitPaths: traitPaths, into: &out)
            }
            out.flush()
            try session.requireNoErrors()
            return
        }
        let evaluation = try session.evaluateShowingProgress(
            asOf: instant, extraTraits: segment.of == .users ? traitPaths : [])
        let result: SegmentResult
        do {
            result = try evaluation.engine.segment(named: name)
        } catch {
            throw CommandError(error)
        }
        if format == .ids {
            for id in result.members { out.line(id) }
        } else {
            let population = evaluation.population
            let timelines = population.timelines(result.kind)
            let members = result.flags.indices.filter { result.flags[$0] }.map { index in
                Evaluator.Listed(
                    id: timelines.ids[index], firstSeen: timelines.firstSeen(index),
                    lastSeen: timelines.lastSeen(index),
                    events: timelines.events(of: index).count,
                    traits: traitPaths.map { population.trait($0, of: index, kind: result.kind) })
            }
            write(members, traitPaths: traitPaths, into: &out)
        }
        out.flush()
        try session.requireNoErrors()
    }

    /// Writes members as csv (else jsonl) rows: the id, first_seen, last_seen, the number of events and
    /// the traits of `traitPaths`, whichever store evaluated them.
    private func write(_ members: [Evaluator.Listed], traitPaths: [[String]], into out: inout OutputBuffer) {
        if format == .csv {
            let header = ["id", "first_seen", "last_seen", "events"] + traitPaths.map { $0.joined(separator: ".") }
            out.line(CSV.row(header))
            for member in members {
                let row = [
                    member.id, member.firstSeen.map(Instant.format) ?? "", member.lastSeen.map(Instant.format) ?? "",
                    String(member.events),
                ]
                out.line(CSV.row(row + member.traits.map(\.plainText)))
            }
        } else {
            for member in members {
                var traits: [String: JSONValue] = [:]
                for (path, value) in zip(traitPaths, member.traits) where !value.isMissing {
                    traits[path.joined(separator: ".")] = value.json
                }
                let object: [String: JSONValue] = [
                    "id": .string(member.id),
                    "first_seen": member.firstSeen.map { .string(Instant.format($0)) } ?? .null,
                    "last_seen": member.lastSeen.map { .string(Instant.format($0)) } ?? .null,
                    "events": .number(Double(member.events)),
                    "traits": .object(traits),
                ]
                out.line(JSONWriter.string(.object(object)))
            }
        }
    }
}
