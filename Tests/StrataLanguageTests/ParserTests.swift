import StrataLanguage
import Testing

@Suite("Parser")
struct ParserTests {
    static let shapes: [(String, String)] = [
        ("a or b and not c", "(or a (and b (not c)))"),
        ("not a and b", "(and (not a) b)"),
        ("not a or not b", "(or (not a) (not b))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b * c", "(* (/ a b) c)"),
        ("-x * 2", "(* (neg x) 2)"),
        ("1 + 2 > 3 * 4", "(> (+ 1 2) (* 3 4))"),
        ("not x = 1", "(not (= x 1))"),
        ("x between 1 and 2 and y", "(and (between x 1 2) y)"),
        ("x between 1 + 1 and 2 * 3", "(between x (+ 1 1) (* 2 3))"),
        ("x in [\"a\", \"b\"] or y contains \"z\"", "(or (in x [\"a\" \"b\"]) (contains y \"z\"))"),
        ("not x in [1]", "(not (in x [1]))"),
        ("a = b contains c", "(contains (= a b) c)"),
        ("account.trait.industry = \"x\"", "(= (account trait.industry) \"x\")"),
        ("account.count(\"A\") > 1", "(> (account (count \"A\")) 1)"),
        ("account.(did(\"A\") or did(\"B\"))", "(account (or (did \"A\") (did \"B\")))"),
        ("score.churn-risk > 70", "(> score.churn-risk 70)"),
        ("count((\"A\" or \"B\") where x = 1, last 7d)", "(count (where (or \"A\" \"B\") (= x 1)) <window>)"),
        ("count(\"A\" where a = 1 and b = 2)", "(count (where \"A\" (and (= a 1) (= b 2))))"),
        ("count(any where $weekday in [\"sat\"])", "(count (where any (in $weekday [\"sat\"])))"),
        ("share(\"A\", of: \"B\", last 4w)", "(share \"A\" of: \"B\" <window>)"),
        ("percentile(count(any), among: \"paying\")", "(percentile (count any) among: \"paying\")"),
        ("streak(week, count(\"W\") >= 5) >= 3", "(>= (streak week (>= (count \"W\") 5)) 3)"),
        ("now - 30d", "(- now 2592000000ms)"),
        ("first_time(\"A\") > 2026-01-01", "(> (first_time \"A\") 2026-01-01)"),
        ("x = true", "(= x true)"),
        ("f()", "(f)"),
    ]

    @Test("precedence and shapes", arguments: shapes)
    func parsesTo(text: String, expected: String) {
        #expect(parsedShape(text) == expected)
    }

    static let syntaxErrors: [(String, String)] = [
        ("a < b < c", "1:7: error: comparisons cannot be chained: combine them with `and`"),
        ("(a", "1:3: error: expected `)`, found end of input"),
        ("count(\"A\" last 7d)", "1:11: error: expected `,` or `)` to close the call to `count`, found `last`"),
        (
            "count(\"A\", lst 7d)",
            "1:12: error: unknown window `lst`: expected last, from, before, since, this, previous, first or next; "
                + "did you mean `last`?"
        ),
        (
            "did(\"A\") adn did(\"B\")",
            "1:10: error: expected an operator or the end of the expression, found `adn`; did you mean `and`?"
        ),
        ("x not in [1]", "1:3: error: `not` goes before the whole condition: write `not (x in ...)`"),
        ("x in 1", "1:6: error: expected a list such as [\"a\", \"b\"] after `in`, found `1`"),
        (
            "count(\"A\", last 7)",
            "1:17: error: expected a duration with a unit (s, m, h, d or w) after `last`, found `7`"
        ),
        (
            "count(\"A\", before 30d)",
            "1:22: error: expected `ago` after the duration (e.g. `before 30d ago`), found `)`"
        ),
        (
            "count(\"A\", since 30d)",
            "1:18: error: `since` takes a date such as 2026-01-01; for a duration write `last 30d`"
        ),
        (
            "count(\"A\", this fortnight)",
            "1:17: error: expected day, week, month or year after `this`, found `fortnight`"
        ),
        (
            "count(\"A\", from 7d ago to 1d)",
            "1:29: error: expected `ago` after the duration (e.g. `from 60d ago to 30d ago`), found `)`"
        ),
        ("last 7d", "1:1: error: a window (`last ...`) can only be the last argument of an event function"),
        (
            "count((\"A\" where x = 1) or \"B\")",
            "1:12: error: `where` applies to a whole event-selector argument: write (\"A\" or \"B\") where ..., "
                + "not (\"A\" where ...)"
        ),
        ("", "1:1: error: expected a value, found end of input"),
    ]

    @Test("syntax errors name the place and what was expected", arguments: syntaxErrors)
    func syntaxError(text: String, expected: String) {
        let result = Parser.parse(text)
        #expect(result.expression == nil)
        #expect(result.diagnostics.map(\.description) == [expected])
    }

    static let deepInputs: [String] = [
        String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300),
        String(repeating: "(", count: 100_000),
        String(repeating: "not ", count: 100_000) + "x",
        String(repeating: "-", count: 100_000) + "1",
        "1" + String(repeating: " + 1", count: 5_000),
        String(repeating: "f(", count: 50_000),
        String(repeating: "account.", count: 400) + "x",
        "x in [" + String(repeating: "[", count: 10_000),
    ]

    @Test("deep nesting is a diagnostic, not a crash", arguments: deepInputs)
    func deepNesting(text: String) {
        let result = Parser.parse(text)
        #expect(result.expression == nil)
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.code == .tooDeep)
        #expect(
            result.diagnostics.first?.message == "expression is nested too deeply (more than 256 levels)")
    }

    @Test func nestingUnderTheCapParses() {
        let text = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(parsedShape(text) == "1")
    }

    @Test func rangesCoverTheWrittenText() throws {
        let expression = try #require(Parser.parse("did(\"A\") and\n  not did(\"B\")").expression)
        #expect(expression.range.start == SourceLocation(line: 1, column: 1, offset: 0))
        #expect(expression.range.end == SourceLocation(line: 2, column: 15, offset: 27))
    }
}
