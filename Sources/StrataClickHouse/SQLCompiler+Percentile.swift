import StrataCore
import StrataLanguage

extension SQLCompiler {
    /// `percentile(EXPR)` / `percentile(EXPR, among: "s")` (LANGUAGE.md §6, §8): 100 × the share of
    /// the population (profiles whose EXPR is not missing, members of s only with `among`) whose EXPR
    /// is <= this profile's; missing when this profile's EXPR is missing or the population is empty.
    func percentile(_ inner: TypedExpr, among: String?, _ e: TypedExpr) throws(Unsupported) -> String {
        var member = "1"
        if let among { member = try reference(among, e) }
        return rank(try rankable(inner, scoring: false), among: member, scale: 100)
    }

    /// `scale` × the share of the population (the profiles whose `value` is not NULL and `member`
    /// holds) whose value is <= this profile's `value`: NULL when `value` is or the population is empty.
    ///
    /// A scalar subquery works out every profile's value and membership, sorted, with the
    /// running count of members; the last of equal values holds how many members have a value <= it.
    /// A profile then looks its value up (`transform`, keyed by the value's bytes, -0 being 0; the
    /// lists start with a key of more than 8 bytes, which no value has, since `transform` refuses empty
    /// ones), and its share is worked out as the engine does: `scale * count / population`.
    func rank(_ value: String, among member: String, scale: Double) -> String {
        let population = """
            (SELECT (arrayPushFront(arrayMap(x -> reinterpretAsString(x.1), f), 'no value'), \
            arrayPushFront(arrayMap(x -> x.3, f), toUInt64(0)), n) FROM (\
            SELECT arrayFilter((x, i) -> i = length(s) OR s[i + 1].1 != x.1, \
            arrayMap((x, c) -> (x.1, x.2, c), s, arrayCumSum(arrayMap(x -> x.2, s))), arrayEnumerate(s)) AS f, n \
            FROM (SELECT arraySort(groupArray((assumeNotNull(ranked_value), ranked_member))) AS s, sum(ranked_member) AS n \
            FROM (\(grouped(["\(value) + 0 AS ranked_value", "toUInt64(\(member)) AS ranked_member"]))) \
            WHERE isNotNull(ranked_value))))
            """
        let name = Self.name("population", of: population)
        let key = "reinterpretAsString(assumeNotNull(\(value)) + 0)"
        let count = "transform(\(key), tupleElement(\(name), 1), tupleElement(\(name), 2), toUInt64(0))"
        let share = "\(SQL.number(scale)) * toFloat64(\(count)) / toFloat64(tupleElement(\(name), 3))"
        return """
            if(isNull(\(value)) OR tupleElement((\(population) AS \(name)), 3) = 0, \(Self.null), \
            toNullable(\(share)))
            """
    }

    /// A value as the engine ranks it, Nullable(Float64): numbers, bools as 0 or 1, and timestamps and
    /// durations in milliseconds; NULL for what it does not rank (missing values and strings). A score
    /// (`scoring`) ranks only finite numbers and bools.
    func rankable(_ input: TypedExpr, scoring: Bool) throws(Unsupported) -> String {
        switch try value(input, .profile) {
        case .bool(let sql):
            return "toNullable(toFloat64(\(sql)))"
        case .number(let sql):
            guard scoring else { return sql }
            guard input.type == .number else { return Self.null }
            return "if(ifNull(isFinite(\(sql)), 0), \(sql), \(Self.null))"
        case .string:
            return Self.null
        case .dynamic(let type, let number, _):
            return "if(\(type) IN (\(Row.TypeCode.number), \(Row.TypeCode.bool)), toNullable(\(number)), \(Self.null))"
        }
    }
}
