import Foundation
import Hummingbird
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

extension Workbench {
    /// Every segment: name, title, kind, refresh, size and when it was computed.
    func segments() throws -> JSONValue {
        let evaluation = try current()
        return .object([
            "segments": .array(
                evaluation.definitions.segments.sorted { $0.name < $1.name }.map { summary($0, evaluation) })
        ])
    }

    /// One segment: its summary and its definition's text.
    func segment(named name: String) throws -> JSONValue {
        let evaluation = try current()
        let definition = try Self.require(name, in: evaluation)
        var object = summary(definition, evaluation).objectValue ?? [:]
        object["description"] = definition.description.map(JSONValue.string) ?? .null
        object["owner"] = definition.owner.map(JSONValue.string) ?? .null
        object["definition"] = evaluation.sources[definition.file].map(JSONValue.string) ?? .null
        return .object(object)
    }

    /// A page of members after a cursor (the last id of the previous page), in byte order.
    func members(of name: String, after cursor: String?, limit: Int) throws -> JSONValue {
        let evaluation = try current()
        _ = try Self.require(name, in: evaluation)
        _ = try Self.result(name, in: evaluation)
        return Self.page(of: evaluation.sortedMembers[name] ?? [], segment: name, after: cursor, limit: limit)
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
    func memberships(of names: [String]) throws -> (instant: Int64, members: [String: Set<String>]) {
        let evaluation = try current()
        var members: [String: Set<String>] = [:]
        for name in names { members[name] = Set(try Self.result(name, in: evaluation).members) }
        return (evaluation.computedAt, members)
    }

    /// Every member as CSV: id, first_seen, last_seen, events.
    func membersCSV(of name: String) throws -> String {
        let evaluation = try current()
        _ = try Self.require(name, in: evaluation)
        let result = try Self.result(name, in: evaluation)
        let timelines = evaluation.engine.population.timelines(result.kind)
        var out = CSV.row(["id", "first_seen", "last_seen", "events"]) + "\n"
        for (index, member) in result.flags.enumerated() where member {
            out += CSV.row([
                timelines.ids[index], timelines.firstSeen(index).map(Instant.format) ?? "",
                timelines.lastSeen(index).map(Instant.format) ?? "", String(timelines.events(of: index).count),
            ])
            out += "\n"
        }
        return out
    }

    /// What the engine says about one profile: its segments, computed traits, scores and stages.
    func evaluated(profile id: String) throws -> [String: JSONValue] {
        let evaluation = try current()
        let engine = evaluation.engine
        guard let index = engine.population.userIndex(forID: id) else { return [:] }
        var segments: [JSONValue] = []
        for (name, result) in evaluation.results.sorted(by: { $0.key < $1.key }) {
            if case .success(let segment) = result, segment.kind == .users, segment.flags[index] {
                segments.append(.string(name))
            }
        }
        func values(_ kind: DefinitionID.Kind, _ names: [String]) throws -> JSONValue {
            var object: [String: JSONValue] = [:]
            for name in names {
                do {
                    object[name] = try engine.value(of: DefinitionID(kind, name), profile: index).json
                } catch {
                    throw APIError(.internalServerError, "evaluation_failed", error.description)
                }
            }
            return .object(object)
        }
        let definitions = evaluation.definitions
        let rfm: RFMResult
        do {
            rfm = try engine.rfm()
        } catch {
            throw APIError(.internalServerError, "evaluation_failed", error.description)
        }
        return [
            "rfm": Self.json(rfm, profile: index),
            "segments": .array(segments),
            "computed": try values(.computed, definitions.computedTraits.map(\.name)),
            "scores": try values(.score, definitions.scores.map(\.name)),
            "stages": try values(.stage, definitions.stageModels.map(\.name)),
            "evaluatedAt": .string(Instant.format(evaluation.computedAt)),
        ]
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
    func explain(segment name: String, profile id: String) throws -> JSONValue {
        let evaluation = try current()
        _ = try Self.require(name, in: evaluation)
        do {
            let explanation = try evaluation.engine.explain(segment: name, profile: id, sources: evaluation.sources)
            return .object([
                "segment": .string(name), "profile": .string(explanation.profile),
                "member": .bool(explanation.isMember), "tree": Self.json(explanation.root),
                "text": .string(explanation.render()),
            ])
        } catch {
            throw APIError.notFound(error.message)
        }
    }

    /// Checks a segment definition and, when valid, writes it to `segments/NAME.yaml`; returns whether
    /// the segment is new. Fails with 422 and the checker's diagnostics otherwise.
    func putSegment(named name: String, text: String) throws -> Bool {
        let path = "segments/\(name).yaml"
        var files = DefinitionFiles.read(from: workspace.root)
        let isNew = files.files[path] == nil
        files.files[path] = text
        let definitions = Definitions.load(files)
        try Self.requireValid(definitions.diagnostics, status: .unprocessableContent)
        do {
            try FileManager.default.createDirectory(at: workspace.segmentsDirectory, withIntermediateDirectories: true)
            try text.write(
                to: workspace.segmentsDirectory.appendingPathComponent("\(name).yaml"), atomically: true,
                encoding: .utf8)
        } catch {
            throw APIError(.internalServerError, "write_failed", "cannot write \(path)")
        }
        invalidate()
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
        invalidate()
    }

    private func summary(_ definition: SegmentDefinition, _ evaluation: Evaluation) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(definition.name), "title": definition.title.map(JSONValue.string) ?? .null,
            "of": .string(definition.of.rawValue), "refresh": .string(definition.refresh.rawValue),
            "last_computed": .string(Instant.format(evaluation.computedAt)),
        ]
        switch evaluation.results[definition.name] {
        case .success(let result)?:
            object["size"] = .number(Double(result.members.count))
            object["population"] = .number(Double(result.population))
        case .failure(let error)?:
            object["size"] = .null
            object["error"] = .string(error.description)
        case nil:
            object["size"] = .null
        }
        return .object(object)
    }

    private static func require(_ name: String, in evaluation: Evaluation) throws -> SegmentDefinition {
        if let definition = evaluation.definitions.segment(named: name) { return definition }
        let hint = Suggestion.nearest(to: name, in: evaluation.definitions.segments.map(\.name)).map {
            "; did you mean `\($0)`?"
        }
        throw APIError.notFound("no segment `\(name)`\(hint ?? "")")
    }

    private static func result(_ name: String, in evaluation: Evaluation) throws -> SegmentResult {
        switch evaluation.results[name] {
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
