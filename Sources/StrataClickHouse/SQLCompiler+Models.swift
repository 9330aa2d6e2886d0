import StrataLanguage

extension SQLCompiler {
    /// The query counting the user profiles in each stage of a model as of the instant (`strata
    /// stages`): one row per stage reached: 1 for the profiles no stage holds for (else 0), the
    /// stage's name ('' for those), and how many profiles are in it. `user` and `account` are as for ``membersQuery(_:table:user:account:traits:)``.
    public func stagesQuery(
        _ model: StageModel, table: String, user: String, account: String
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: .users)
        let stage = try compiler.stage(of: model)
        let profiles = compiler.grouped(["\(stage) AS stage"])
        return "SELECT isNull(stage), ifNull(stage, ''), count() FROM (\(profiles)) GROUP BY stage"
    }

    /// The query of the RFM inputs of every user profile as of the instant (`strata rfm`): the id, the raw recency, frequency and monetary values (`nan` when missing), and whether the
    /// profile is in the RFM population (`population`, or a frequency above 0). Strata ranks them
    /// (``StrataEngine/RFMResult/ranking(kind:recency:frequency:monetary:members:map:)``), so that
    /// ties and bins follow the engine's rules exactly.
    public func rfmQuery(_ rfm: RFMSettings, table: String, user: String, account: String) throws(Unsupported) -> String
    {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: .users)
        var values: [String] = []
        for expression in [rfm.recency, rfm.frequency, rfm.monetary] {
            values.append(try compiler.number(expression, .profile))
        }
        let member = try rfm.population.map { e throws(Unsupported) in try compiler.bool(e, .profile) }
        let columns = values.map { "ifNull(toFloat64(\($0)), nan)" } + [member ?? "ifNull(\(values[1]) > 0, 0)"]
        return compiler.grouped(columns)
    }
}

extension SQLCompiler {
    /// The query of why one profile is or is not in a segment (`strata explain` on ClickHouse): at most
    /// one row, for the profile `id` names as of the instant (a user by userId or anonymousId, the
    /// userId's profile first; an account by groupId), with its profile id, each condition's value (1
    /// or 0), then the segment's condition, then for users how many of its rows carry `id` as userId.
    public func explainQuery(
        _ segment: SegmentDefinition, conditions: [TypedExpr], id: String, table: String, user: String,
        account: String
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: segment.of)
        var columns: [String] = []
        for condition in conditions + [segment.condition] {
            columns.append(try compiler.bool(condition, .profile))
        }
        guard segment.of == .users else {
            return compiler.grouped(columns, having: "profile = \(SQL.string(id))")
        }
        let (asUser, asAnonymous) = (SQL.string("u" + id), SQL.string("a" + id))
        columns.append("countIf(node = \(asUser)) AS by_user")
        return compiler.grouped(columns, having: "countIf(node IN (\(asUser), \(asAnonymous))) > 0")
            + " ORDER BY by_user DESC, profile LIMIT 1"
    }
}
