import StrataCore
import StrataEngine
import StrataLanguage

extension Evaluator {
    /// How the user profiles spread over the stages of a model as of an instant.
    public struct StageCounts: Sendable, Equatable {
        /// The profiles in each stage reached, by stage name.
        public var counts: [String: Int]
        /// The profiles no stage holds for (a model without `else`).
        public var none: Int

        /// Counts from their parts.
        public init(counts: [String: Int], none: Int) {
            self.counts = counts
            self.none = none
        }
    }

    /// How the user profiles spread over the stages of each model as of an instant (`strata stages`),
    /// in the models' order.
    public func stages(of models: [StageModel], asOf now: Int64) async throws(ClickHouseError) -> [StageCounts] {
        let scan = try await Prepared(self, asOf: now)
        var result: [StageCounts] = []
        for model in models {
            let sql: String
            do throws(SQLCompiler.Unsupported) {
                sql = try scan.compiler.stagesQuery(model, table: scan.table, user: scan.profile, account: scan.account)
            } catch {
                throw ClickHouseError(Self.diagnostic(error, file: model.file).description)
            }
            var counts = StageCounts(counts: [:], none: 0)
            for row in try await scan.rows(sql) {
                guard row.count == 3, let count = Int(row[2]) else {
                    throw ClickHouseError("ClickHouse answered a stage's count with \(row)")
                }
                if row[0] == "1" { counts.none += count } else { counts.counts[row[1], default: 0] += count }
            }
            result.append(counts)
        }
        return result
    }

    /// The RFM result of the user profiles as of an instant (`strata rfm`) and their ids, sorted by
    /// bytes: the raw values computed in ClickHouse, one row per profile, ranked and mapped by
    /// ``StrataEngine/RFMResult/ranking(kind:recency:frequency:monetary:members:map:)`` as the engine
    /// ranks and maps its own.
    public func rfm(asOf now: Int64) async throws(ClickHouseError) -> (ids: [String], result: RFMResult) {
        let scan = try await Prepared(self, asOf: now)
        let sql: String
        do throws(SQLCompiler.Unsupported) {
            sql = try scan.compiler.rfmQuery(
                definitions.rfm, table: scan.table, user: scan.profile, account: scan.account)
        } catch {
            throw ClickHouseError(Self.diagnostic(error, file: "rfm.yaml").description)
        }
        var ids: [String] = []
        var raw: [[Double]] = [[], [], []]
        var members: [Bool] = []
        let rows = try await scan.rows(sql).sorted {
            ($0.first ?? "").utf8.lexicographicallyPrecedes(($1.first ?? "").utf8)
        }
        for row in rows {
            guard row.count == 5, let member = Int(row[4]) else {
                throw ClickHouseError("ClickHouse answered a profile's RFM values with \(row)")
            }
            ids.append(row[0])
            for axis in 0..<3 {
                // Missing (nan) or not finite: missing, as the engine reads them.
                raw[axis].append(Double(row[1 + axis]).flatMap { $0.isFinite ? $0 : nil } ?? .nan)
            }
            members.append(member != 0)
        }
        return (
            ids,
            RFMResult.ranking(
                kind: .users, recency: raw[0], frequency: raw[1], monetary: raw[2], members: members,
                map: definitions.rfm.map)
        )
    }
}

extension Evaluator {
    /// Why a profile is or is not in a segment as of an instant, as far as SQL tells: the value of each
    /// condition directly under the root of the embedded explanation (``StrataEngine/Explanation/topLevel(of:source:)``),
    /// each compiled as a column of one query for that one profile. `source` is the text of the
    /// segment's file, for the conditions' labels.
    public func explain(
        segment name: String, id: String, source: String?, asOf now: Int64
    ) async throws(ClickHouseError) -> Explanation {
        let segment = try self.segment(named: name)
        let scan = try await Prepared(self, asOf: now)
        let (connective, conditions) = Explanation.topLevel(of: segment.condition, source: source)
        let sql: String
        do throws(SQLCompiler.Unsupported) {
            sql = try scan.compiler.explainQuery(
                segment, conditions: conditions.map(\.condition), id: id, table: scan.table, user: scan.profile,
                account: scan.account)
        } catch {
            throw ClickHouseError(Self.diagnostic(error, file: segment.file).description)
        }
        guard let row = try await scan.rows(sql).first else {
            throw ClickHouseError(
                "no \(segment.of == .users ? "profile" : "account") with id `\(id)` as of this instant")
        }
        guard row.count == conditions.count + (segment.of == .users ? 3 : 2) else {
            throw ClickHouseError("ClickHouse answered an explanation with \(row)")
        }
        let children = conditions.indices.map {
            Explanation.Node(label: conditions[$0].label, value: .bool(row[1 + $0] == "1"), isOperator: false)
        }
        let member = row[1 + conditions.count] == "1"
        let root =
            connective.map { Explanation.Node(label: $0, value: .bool(member), isOperator: true, children: children) }
            ?? Explanation.Node(label: conditions.first?.label ?? name, value: .bool(member), isOperator: false)
        return Explanation(segment: name, profile: row[0], isMember: member, root: root)
    }
}
