import StrataCore
import StrataLanguage
import Testing

@Suite("Lexer")
struct LexerTests {
    static let singleTokens: [(String, Token.Kind)] = [
        ("42", .number(42)),
        ("0.4", .number(0.4)),
        ("\"Order Completed\"", .string("Order Completed")),
        (#""say \"hi\"\n""#, .string("say \"hi\"\n")),
        ("30s", .duration(milliseconds: 30_000)),
        ("15m", .duration(milliseconds: 900_000)),
        ("2h", .duration(milliseconds: 7_200_000)),
        ("7d", .duration(milliseconds: 604_800_000)),
        ("4w", .duration(milliseconds: 2_419_200_000)),
        ("2026-11-01", .date(DateLiteral(year: 2026, month: 11, day: 1))),
        ("2024-02-29", .date(DateLiteral(year: 2024, month: 2, day: 29))),
        ("2026-11-01T10:00:00Z", .instant(milliseconds: 1_793_527_200_000)),
        ("2026-11-01T10:00:00.5+02:00", .instant(milliseconds: 1_793_520_000_500)),
        ("revenue", .identifier(Path(["revenue"]))),
        ("a.b.c", .identifier(Path(["a", "b", "c"]))),
        ("score.churn-risk", .identifier(Path(["score", "churn-risk"]))),
        ("stage.loyalty-2", .identifier(Path(["stage", "loyalty-2"]))),
        ("computed.ltv-90d", .identifier(Path(["computed", "ltv-90d"]))),
        ("trait.plan", .identifier(Path(["trait", "plan"]))),
        ("account.trait.industry", .identifier(Path(["account", "trait", "industry"]))),
        ("rfm.segment", .identifier(Path(["rfm", "segment"]))),
        ("$weekday", .identifier(Path(["$weekday"]))),
        ("`Plan Name`", .identifier(Path(["Plan Name"], quotedFirst: true))),
        ("`from`", .identifier(Path(["from"], quotedFirst: true))),
        ("trait.`Plan Name`", .identifier(Path(["trait", "Plan Name"]))),
        ("count_distinct", .identifier(Path(["count_distinct"]))),
        ("first_seen", .keyword(.firstSeen)),
        ("last_seen", .keyword(.lastSeen)),
        ("not", .keyword(.not)),
        ("between", .keyword(.between)),
        ("within", .keyword(.within)),
        ("week", .keyword(.week)),
        ("!=", .symbol(.notEqual)),
        ("<=", .symbol(.lessEqual)),
        (">=", .symbol(.greaterEqual)),
        ("=", .symbol(.equal)),
        (":", .symbol(.colon)),
    ]

    @Test("single tokens", arguments: singleTokens)
    func singleToken(text: String, expected: Token.Kind) {
        let result = Lexer.tokenize(text)
        #expect(result.diagnostics.isEmpty)
        #expect(result.tokens.map(\.kind) == [expected, .end])
    }

    @Test("every keyword lexes as itself", arguments: Keyword.allCases)
    func keywords(keyword: Keyword) {
        #expect(Lexer.tokenize(keyword.rawValue).tokens.first?.kind == .keyword(keyword))
    }

    @Test func operatorsAndPunctuation() {
        let result = Lexer.tokenize("( ) [ ] , + - * / < > .")
        let expected: [Token.Symbol] = [
            .leftParen, .rightParen, .leftBracket, .rightBracket, .comma, .plus, .minus, .star, .slash, .less,
            .greater, .dot,
        ]
        #expect(result.tokens.dropLast().map(\.kind) == expected.map { .symbol($0) })
    }

    @Test func hyphenOutsideReferencesIsSubtraction() {
        let kinds = Lexer.tokenize("a-b").tokens.map(\.kind)
        #expect(kinds == [.identifier(Path(["a"])), .symbol(.minus), .identifier(Path(["b"])), .end])
    }

    @Test func accountDotParenthesis() {
        let kinds = Lexer.tokenize("account.(x)").tokens.map(\.kind)
        #expect(
            kinds == [
                .identifier(Path(["account"])), .symbol(.dot), .symbol(.leftParen), .identifier(Path(["x"])),
                .symbol(.rightParen), .end,
            ])
    }

    @Test func positionsCountLinesColumnsAndBytes() {
        let tokens = Lexer.tokenize("count(\"é\",\n  last 7d)").tokens
        // count ( "é" , last 7d ) end
        #expect(tokens[2].range.start == SourceLocation(line: 1, column: 7, offset: 6))
        #expect(tokens[3].range.start == SourceLocation(line: 1, column: 10, offset: 10))
        #expect(tokens[4].text == "last")
        #expect(tokens[4].range.start == SourceLocation(line: 2, column: 3, offset: 14))
        #expect(tokens[5].range.start == SourceLocation(line: 2, column: 8, offset: 19))
        #expect(tokens[5].range.end == SourceLocation(line: 2, column: 10, offset: 21))
    }

    static let errors: [(String, String)] = [
        ("7days", "1:1: error: unknown duration unit `days` in `7days`: expected s, m, h, d or w; did you mean `7d`?"),
        ("\"abc", "1:1: error: unterminated string: expected a closing `\"` on the same line"),
        ("a == 1", "1:3: error: `==` is not an operator: equality is a single `=`; did you mean `=`?"),
        ("2026-13-01", "1:1: error: invalid date `2026-13-01`: expected YYYY-MM-DD with a real day"),
        ("2026-02-30", "1:1: error: invalid date `2026-02-30`: expected YYYY-MM-DD with a real day"),
        ("x = 'a'", "1:5: error: strings are written in double quotes (\"text\"), not single quotes"),
        ("a && b", "1:3: error: `&&` is not an operator: use the keyword `and`; did you mean `and`?"),
        ("a # b", "1:3: error: unexpected character `#`"),
        (
            "2026-11-01T25:00:00Z",
            "1:1: error: invalid instant `2026-11-01T25:00:00Z`: expected YYYY-MM-DDTHH:MM:SS followed by Z or an "
                + "offset such as +02:00"
        ),
    ]

    @Test("lexical errors", arguments: errors)
    func lexicalError(text: String, expected: String) {
        let result = Lexer.tokenize(text)
        #expect(result.diagnostics.map(\.description) == [expected])
    }
}
