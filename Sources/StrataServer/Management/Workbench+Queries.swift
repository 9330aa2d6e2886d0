import Foundation
import Hummingbird
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

extension Workbench {
    /// What the API and the dashboard say of a segment besides its members.
    struct Summary: Sendable {
        /// Its definition.
        var definition: SegmentDefinition
        /// Its members now (``Memberships``), nil when the server keeps none of it.
        var size: Int?
        /// The profiles it was evaluated over, nil when its evaluation failed.
        var population: Int?
        /// Why its evaluation failed.
        var error: String?
        /// When the evaluation ran (ms), nil before the first.
        var computedAt: Int64?

        /// `{"name", "title", "of", "refresh", "last_computed", "size", "population" | "error"}`.
        var json: JSONValue {
            var object: [String: JSONValue] = [
                "name": .string(definition.name), "title": definition.title.map(JSONValue.string) ?? .null,
                "of": .string(definition.of.rawValue), "refresh": .string(definition.refresh.rawValue),
                "last_computed": computedAt.map { .string(Instant.format($0)) } ?? .null,
            ]
            object["size"] = size.map { .number(Double($0)) } ?? .null
            if let population { object["population"] = .number(Double(population)) }
            if let error { object["error"] = .string(error) }
            return .object(object)
        }
    }

    /// Every segment's summary in name order, with sizes from ``Memberships``; the populations and errors
    /// of the latest evaluation, waiting for the first one only when `waiting` (see ``available()``).
    func summaries(sizes: [String: Int], waiting: Bool) async throws -> [Summary] {
        let current = waiting ? try await latest() : available()
        let session = try await session(of: current)
        return session.definitions.segments.sorted { $0.name < $1.name }.map { summary($0, current, sizes: sizes) }
    }

    /// Every segment: name, title, kind, refresh, size (``Memberships``) and when it was computed.
    func segments(sizes: [String: Int]) async throws -> JSONValue {
        .object(["segments": .array(try await summaries(sizes: sizes, waiting: true).map(\.json))])
    }

    /// One segment's summary and the text of its definition file; 404 with a did-you-mean when none has
    /// this name.
    func summary(
        named name: String, sizes: [String: Int], waiting: Bool
    ) async throws -> (summary: Summary, source: String?) {
        let current = waiting ? try await latest() : available()
        let definition = try await self.definition(named: name)
        let session = try await session(of: current)
        return (summary(definition, current, sizes: sizes), session.sources[definition.file])
    }

    /// One segment: its summary and its definition's text.
    func segment(named name: String, sizes: [String: Int]) async throws -> JSONValue {
        let (summary, source) = try await summary(named: name, sizes: sizes, waiting: true)
        let definition = summary.definition
        var object = summary.json.objectValue ?? [:]
        object["definition"] = source.map(JSONValue.string) ?? .null
        object["description"] = definition.description.map(JSONValue.string) ?? .null
        object["owner"] = definition.owner.map(JSONValue.string) ?? .null
        return .object(object)
    }

    /// A page of a sorted member list after a cursor (the last id of the previous page).
    static func page(of all: [String], segment name: String, after cursor: String?, limit: Int) -> JSONValue {
        var start = 0
        if let cursor {
            start = firstIndex(in: all) { !$0.utf8.lexicographicallyPrecedes(cursor.utf8) && $0 != cursor }
        }
        let page = all[start..<min(all.count, start + limit)]
        let next = start + limit < all.count ? page.last.map(JSONValue.string) ?? .null : .null
        return .object([
            "segment": .string(name), "size": .number(Double(all.count)),
            "members": .array(page.map(JSONValue.string)), "next_cursor": next,
        ])
    }

    /// Whether `segments/NAME.yaml` exists.
    func isDefined(segment name: String) -> Bool {
        DefinitionFiles.read(from: workspace.root).files["segments/\(name).yaml"] != nil
    }

    /// The members of some segments, evaluated as of now (for cadence recomputation), and the instant.
    func memberships(of names: [String]) async throws -> (instant: Int64, members: [String: Set<String>]) {
        let current = try await evaluation(asOfNow: true)
        var members: [String: Set<String>] = [:]
        for name in names { members[name] = Set(try Self.result(name, in: current).members) }
        return (current.computedAt, members)
    }

    /// Members as CSV: id, first_seen, last_seen, events; the last three from the timelines as of the
    /// latest evaluation, empty for a member that arrived since.
    func membersCSV(of name: String, members: [String]) async throws -> String {
        let current = try await latest()
        let definition = try await self.definition(named: name)
        let timelines = current.evaluation.population.timelines(definition.of)
        var out = CSV.row(["id", "first_seen", "last_seen", "events"]) + "\n"
        for member in members {
            let index = timelines.index(of: member)
            out += CSV.row([
                member, index.flatMap(timelines.firstSeen).map(Instant.format) ?? "",
                index.flatMap(timelines.lastSeen).map(Instant.format) ?? "",
                index.map { String(timelines.events(of: $0).count) } ?? "",
            ])
            out += "\n"
        }
        return out
    }

    /// What the engine says about one profile: its computed traits, scores and stages, with the
    /// reason of each that is missing for every profile (a logistic score never trained), and the
    /// definitions (for the profile's memberships).
    func evaluated(profile id: String) async throws -> (values: [String: JSONValue], definitions: Definitions) {
        let current = try await latest()
        let engine = current.engine
        guard let index = engine.population.userIndex(forID: id) else { return ([:], current.definitions) }
        let values: ProfileValues
        let rfm: RFMResult
        do {
            values = try engine.values(ofProfile: index)
            rfm = try engine.rfm()
        } catch {
            throw APIError(.internalServerError, "evaluation_failed", error.description)
        }
        var missing: [String: JSONValue] = [:]
        func object(_ entries: [ProfileValues.Entry], _ kind: DefinitionID.Kind) -> JSONValue {
            for entry in entries {
                if let reason = entry.missingReason {
                    missing[DefinitionID(kind, entry.name).description] = .string(reason)
                }
            }
            return .object(Dictionary(entries.map { ($0.name, $0.value.json) }, uniquingKeysWith: { a, _ in a }))
        }
        let object: [String: JSONValue] = [
            "rfm": Self.json(rfm, profile: index),
            "computed": object(values.computed, .computed),
            "scores": object(values.scores, .score),
            "stages": object(values.stages, .stage),
            "missing": .object(missing),
            "evaluatedAt": .string(Instant.format(current.computedAt)),
        ]
        return (object, current.definitions)
    }

    /// A profile's raw RFM values (as rfm.yaml defines them), bins and named segment; null outside
    /// the RFM population.
    static func json(_ rfm: RFMResult, profile index: Int) -> JSONValue {
        guard rfm.isRanked(index) else { return .null }
        return .object([
            "recency": .number(rfm.recency[index]), "frequency": .number(rfm.frequency[index]),
            "monetary": .number(rfm.monetary[index]), "r": .number(Double(rfm.r[index])),
            "f": .number(Double(rfm.f[index])), "m": .number(Double(rfm.m[index])),
            "segment": rfm.segmentName(of: index).map(JSONValue.string) ?? .null,
        ])
    }

    /// Why a profile is or is not in a segment: every sub-expression with its value.
    func explain(segment name: String, profile id: String) async throws -> JSONValue {
        _ = try await definition(named: name)
        let session = try await session()
        // A segment that depends on the profile alone is explained from its own messages as of now.
        let now = configuration.clock()
        let engine: Engine
        let instant: Int64
        if let alone = session.evaluation(
            of: try await store.profileMessages(id: id, asOf: now), reading: [DefinitionID(.segment, name)], asOf: now)
        {
            (engine, instant) = (alone.engine, alone.instant)
        } else {
            let current = try await latest()
            (engine, instant) = (current.engine, current.computedAt)
        }
        do {
            let explanation = try engine.explain(segment: name, profile: id, sources: session.sources)
            return .object([
                "segment": .string(name), "profile": .string(explanation.profile),
                "member": .bool(explanation.isMember), "tree": Self.json(explanation.root),
                "text": .string(explanation.render()), "evaluatedAt": .string(Instant.format(instant)),
            ])
        } catch {
            throw APIError.notFound(error.message)
        }
    }

    /// Checks a segment definition and, when valid, writes it to `segments/NAME.yaml`; returns whether
    /// the segment is new. Fails with 422 and the checker's diagnostics otherwise.
    func putSegment(named name: String, text: String) async throws -> Bool {
        let path = "segments/\(name).yaml"
        var files = DefinitionFiles.read(from: workspace.root)
        let isNew = files.files[path] == nil
        files.files[path] = text
        try Self.requireValid(Definitions.load(files).diagnostics, status: .unprocessableContent)
        do {
            try FileManager.default.createDirectory(at: workspace.segmentsDirectory, withIntermediateDirectories: true)
            try text.write(
                to: workspace.segmentsDirectory.appendingPathComponent("\(name).yaml"), atomically: true,
                encoding: .utf8)
        } catch {
            throw APIError(.internalServerError, "write_failed", "cannot write \(path)")
        }
        definitionsChanged()
        return isNew
    }

    /// Removes `segments/NAME.yaml`, unless other definitions read the segment (409 with diagnostics).
    func deleteSegment(named name: String) throws {
        let path = "segments/\(name).yaml"
        var files = DefinitionFiles.read(from: workspace.root)
        guard files.files.removeValue(forKey: path) != nil else {
            throw APIError.notFound("no segment `\(name)` in segments/")
        }
        try Self.requireValid(Definitions.load(files).diagnostics, status: .conflict)
        do {
            try FileManager.default.removeItem(at: workspace.segmentsDirectory.appendingPathComponent("\(name).yaml"))
        } catch {
            throw APIError(.internalServerError, "delete_failed", "cannot remove \(path)")
        }
        definitionsChanged()
    }

    /// The session an evaluation was made with, or the workspace's before the first.
    private func session(of current: Current?) async throws -> EvaluationSession {
        if let current { return current.session }
        return try await session()
    }

    private func summary(_ definition: SegmentDefinition, _ current: Current?, sizes: [String: Int]) -> Summary {
        var summary = Summary(
            definition: definition, size: sizes[definition.name], population: nil, error: nil,
            computedAt: current?.computedAt)
        switch current?.results[definition.name] {
        case .success(let result)?: summary.population = result.population
        case .failure(let error)?: summary.error = error.description
        case nil: break
        }
        return summary
    }

    private static func result(_ name: String, in current: Current) throws -> SegmentResult {
        switch current.results[name] {
        case .success(let result)?: return result
        case .failure(let error)?: throw APIError(.internalServerError, "evaluation_failed", error.description)
        case nil: throw APIError.notFound("no segment `\(name)`")
        }
    }

    /// The first index whose element satisfies a predicate that is false then true along the array.
    private static func firstIndex(in sorted: [String], where predicate: (String) -> Bool) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(sorted[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private static func json(_ node: Explanation.Node) -> JSONValue {
        var object: [String: JSONValue] = [
            "label": .string(node.label), "value": node.value.json, "operator": .bool(node.isOperator),
        ]
        if let note = node.note { object["note"] = .string(note) }
        if !node.children.isEmpty { object["children"] = .array(node.children.map(json)) }
        return .object(object)
    }
}
