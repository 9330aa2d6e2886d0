import StrataCore
import StrataLanguage
import Testing

@Suite("Checker diagnostics")
struct CheckerTests {
    static let errors: [(String, String)] = [
        // Unknown function, with the nearest name.
        ("cout(\"A\") > 1", "1:1: error: unknown function `cout`; did you mean `count`?"),
        ("did_not(\"A\")", "1:1: error: unknown function `did_not`"),
        // Type errors.
        ("count(\"A\") > \"x\"", "1:14: error: expected a number to compare with the left side of `>`, found a string"),
        ("did(\"A\") + 1", "1:1: error: expected a number for `+`, found a condition (bool)"),
        ("count(\"A\") and did(\"B\")", "1:1: error: expected a condition (bool) for `and`, found a number"),
        ("not count(\"A\")", "1:5: error: expected a condition (bool) for `not`, found a number"),
        ("\"a\" = 1", "1:7: error: expected a string to compare with the left side of `=`, found a number"),
        ("did(\"A\") < did(\"B\")", "1:1: error: `<` cannot order conditions: bools only compare with = or !="),
        (
            "count(\"A\") between \"a\" and 3",
            "1:20: error: expected a number to compare with the left side of `between`, found a string"
        ),
        (
            "count(\"A\") in [1, \"two\"]",
            "1:19: error: expected a number to compare with the left side of `in`, found a string"
        ),
        (
            "count(\"A\") contains \"x\"",
            "1:1: error: expected a string or an array (a property or trait) on the left of `contains`, found a number"
        ),
        (
            "now + now > now",
            "1:1: error: `+` cannot combine a timestamp with a timestamp (a timestamp takes a duration, e.g. `now - 30d`)"
        ),
        (
            "first_time(\"A\") > 30d",
            "1:19: error: expected a timestamp to compare with the left side of `>`, found a duration"
        ),
        ("count(\"A\")", "1:1: error: a segment's `where` must be a condition (bool), found a number"),
        // Arity and arguments.
        (
            "count(\"A\", \"B\") > 0",
            "1:1: error: wrong number of arguments to `count`: expected count(E, W), found 2 arguments"
        ),
        (
            "sum(\"Order Completed\") > 0",
            "1:1: error: wrong number of arguments to `sum`: expected sum(E, f, W), found 1 argument"
        ),
        (
            "streak(week) > 1",
            "1:1: error: wrong number of arguments to `streak`: expected streak(P, COND), found 1 argument"
        ),
        (
            "followed_by(\"A\", \"B\", withn: 2h)",
            "1:23: error: unknown argument `withn:` for `followed_by`: expected `within:`; did you mean `within:`?"
        ),
        ("count(\"A\", within: 2h) > 0", "1:12: error: `count` takes no named argument `within:`"),
        (
            "followed_by(\"A\", \"B\")",
            "1:1: error: `followed_by` needs `within: D`, the time allowed after the first step: "
                + "followed_by(A, B, within: D, W)"
        ),
        (
            "followed_by(\"A\", \"B\", within: 2)",
            "1:31: error: `within:` takes a positive duration such as 2h, found the number 2"
        ),
        (
            "share(\"A\") > 0.5",
            "1:1: error: `share` needs `of: E2`, the events to divide by: share(E, of: E2, W)"
        ),
        (
            "count_periods(week, did(any), 0) = 1",
            "1:31: error: the number of periods of `count_periods` must be a whole number from 1 to 10000, found the number 0"
        ),
        ("streak(year, did(any)) > 1", "1:8: error: the period of `streak` must be day, week or month, found `year`"),
        (
            "sum(\"A\", trait.mrr) > 0",
            "1:10: error: `trait.mrr` reads the profile, but `sum` reads a property of each event; for a property named `trait`, quote it: `trait`.mrr"
        ),
        (
            "sum(\"A\", 1) > 0",
            "1:10: error: `sum` takes an event property name (e.g. revenue, a.b, `Plan Name` or $user) as its second argument, found the number 1"
        ),
        // Selectors.
        (
            "count(trait.plan) > 0",
            "1:7: error: expected an event selector: an event name in quotes, `any`, or (\"A\" or \"B\"), found `trait.plan`"
        ),
        (
            "count(\"A\" where count(\"B\") > 1) > 0",
            "1:17: error: `count` cannot be used inside `where`: a `where` condition tests one event at a time"
        ),
        (
            "count(\"A\" where score.churn > 1) > 0",
            "1:17: error: `score.churn` cannot be read inside `where`: a `where` condition tests one event at a time, with its properties and the profile's traits; compare it outside the selector"
        ),
        (
            "did(\"A\" where rfm.r >= 4)",
            "1:15: error: `rfm.r` cannot be read inside `where`: a `where` condition tests one event at a time, with its properties and the profile's traits; compare it outside the selector"
        ),
        (
            "count(\"A\" where account.trait.plan = \"pro\") > 0",
            "1:17: error: `account.` cannot be read inside `where`: a `where` condition tests one event at a time, with its properties and the profile's traits; compare it outside the selector"
        ),
        // Windows in streak / count_periods, and next.
        (
            "streak(week, count(\"A\", last 7d) >= 1) >= 2",
            "1:25: error: event functions inside `streak` take no window: the period is their window"
        ),
        (
            "count_periods(week, did(\"A\", this week), 4) >= 2",
            "1:30: error: event functions inside `count_periods` take no window: the period is their window"
        ),
        ("streak(week, streak(day, did(any)) > 1) > 1", "1:14: error: `streak` cannot be nested inside `streak`"),
        (
            "count_periods(week, percentile(count(\"A\")) > 50, 4) >= 1",
            "1:21: error: `percentile` cannot be used inside `count_periods`: it ranks the population at the evaluation instant, not period by period"
        ),
        (
            "did(\"A\", next 30d)",
            "1:10: error: `next` looks past the evaluation instant: it is only allowed in a model's `label`"
        ),
        // Names and references.
        (
            "plan = \"pro\"",
            "1:1: error: unknown name `plan`: event properties are only available inside `where`; a trait is `trait.plan`"
        ),
        ("nw > first_seen", "1:1: error: unknown name `nw`; did you mean `now`?"),
        ("trate.plan = \"pro\"", "1:1: error: unknown name `trate.plan`; did you mean `trait.plan`?"),
        (
            "$weekday = \"sat\"",
            "1:1: error: `$weekday` is a field of an event: it is only available inside `where` or as a property argument"
        ),
        (
            "count(\"A\" where $wekday = \"sat\") > 0",
            "1:17: error: unknown event field `$wekday`: expected $weekday, $hour, $user or $name; did you mean `$weekday`?"
        ),
        (
            "segment(\"payng\")",
            "1:9: error: unknown segment `payng`: expected a file segments/payng.yaml; did you mean `paying`?"
        ),
        ("segment(paying)", "1:9: error: `segment` takes a segment name in quotes, found `paying`"),
        (
            "score.expanson > 70",
            "1:1: error: unknown score `expanson`: expected a file scores/expanson.yaml; did you mean `score.expansion`?"
        ),
        (
            "stage.lifecycle = \"new\"",
            "1:1: error: unknown stage model `lifecycle`: expected a file stages/lifecycle.yaml"
        ),
        ("computed.ltv > 1", "1:1: error: unknown computed trait `ltv`: expected a name from traits.yaml"),
        (
            "rfm.segmnt = \"Champions\"",
            "1:1: error: unknown RFM value `rfm.segmnt`: expected rfm.r, rfm.f, rfm.m, rfm.score or rfm.segment; did you mean `rfm.segment`?"
        ),
        (
            "percentile(count(any), among: \"payng\") > 50",
            "1:31: error: unknown segment `payng`: expected a file segments/payng.yaml; did you mean `paying`?"
        ),
        // Profile kinds.
        (
            "count_users(did(any)) > 1",
            "1:1: error: `count_users` is only valid in a definition of accounts (`of: accounts`)"
        ),
        (
            "segment(\"high-intent-accounts\")",
            "1:1: error: segment `high-intent-accounts` is a segment of accounts: in a definition of users write "
                + "account.segment(\"high-intent-accounts\")"
        ),
        ("any", "1:1: error: `any` selects events: it is only valid as the event selector of an event function"),
        (
            "week = 1",
            "1:1: error: `week` is a calendar unit: it is only valid in a window (`this week`) or as the period of streak / count_periods"
        ),
    ]

    @Test("errors name the place, what was expected and the nearest name", arguments: errors)
    func error(text: String, expected: String) {
        let result = check(text)
        #expect(onlyDiagnostic(result) == expected)
        #expect(result.expression == nil)
    }

    @Test func accountExpressionsAreOnlyForUsers() {
        let result = check("account.trait.industry = \"x\"", scope: .accounts)
        #expect(
            onlyDiagnostic(result)
                == "1:1: error: `account.` is only valid in a definition of users; this one is of accounts")
        #expect(check("account.trait.industry = \"manufacturing\"").diagnostics.isEmpty)
    }

    /// A quoted first part makes `trait.mrr` an event property again.
    @Test func aQuotedReferenceWordIsAnEventProperty() throws {
        let result = check("sum(\"Invoice Paid\", `trait`.mrr) > 0")
        #expect(result.diagnostics.isEmpty)
        guard case .comparison(_, let sum, _)? = result.expression?.node, case .aggregate(let aggregate) = sum.node
        else {
            Issue.record("expected a comparison of a sum")
            return
        }
        #expect(aggregate.function == .sum(.property(["trait", "mrr"])))
    }

    @Test func accountProfileTimes() throws {
        let first = try #require(check("account.first_seen < now - 30d").expression)
        guard case .comparison(.less, let left, _) = first.node, case .account(let inner) = left.node else {
            Issue.record("expected account(first_seen) < ..., got \(first.node)")
            return
        }
        #expect(inner.node == .firstSeen)
        #expect(inner.type == .timestamp)
        let last = try #require(check("days_between(account.last_seen, account.now) > 7").expression)
        guard case .comparison(.greater, let days, _) = last.node, case .daysBetween(let a, let b) = days.node,
            case .account(let lastSeen) = a.node, case .account(let now) = b.node
        else {
            Issue.record("expected days_between(account(last_seen), account(now)) > 7, got \(last.node)")
            return
        }
        #expect(lastSeen.node == .lastSeen)
        #expect(now.node == .now)
    }

    @Test func unknownEventIsAWarningWithSuggestion() {
        var symbols = catalogSymbols
        symbols.events = ["Logged In", "Order Completed"]
        let result = check("did(\"Loged In\") and did(\"Logged In\")", symbols: symbols)
        #expect(
            onlyDiagnostic(result)
                == "1:5: warning: unknown event \"Loged In\": no such event in the store; did you mean `Logged In`?")
        #expect(result.diagnostics.first?.code == .unknownEvent)
        #expect(result.diagnostics.first?.suggestion == "Logged In")
        #expect(result.expression != nil)
    }

    @Test func unknownTraitIsAWarningWithSuggestion() {
        var symbols = catalogSymbols
        symbols.traits = ["plan", "industry"]
        let result = check("trait.plann = \"pro\"", symbols: symbols)
        #expect(
            onlyDiagnostic(result)
                == "1:1: warning: unknown trait `plann`: no profile has it in the store; did you mean `trait.plan`?")
        #expect(result.expression != nil)
    }

    @Test func dynamicValuesCompareWithAnything() {
        for text in [
            "trait.subscriber != true", "trait.employees between 50 and 500", "trait.plan = 1",
            "top(\"A\", x) in [\"a\", 1]", "trait.created_at > now - 30d",
        ] {
            #expect(check(text).diagnostics.isEmpty, "\(text)")
        }
    }

    @Test func missingValuesAreNotCheckErrors() {
        #expect(check("avg(\"A\", x) > 1 or days_since(\"A\") > 3").diagnostics.isEmpty)
        #expect(check("exists(trait.plan) and coalesce(trait.plan, \"free\") = \"free\"").diagnostics.isEmpty)
    }

    @Test func severalErrorsInOneExpressionAreAllReported() {
        let result = check("cout(\"A\") > 1 and segment(\"nope\")")
        #expect(
            result.diagnostics.map(\.description) == [
                "1:1: error: unknown function `cout`; did you mean `count`?",
                "1:27: error: unknown segment `nope`: expected a file segments/nope.yaml",
            ])
    }

    @Test func referencesAreRecorded() {
        let result = check("segment(\"paying\") and score.expansion > 1 and rfm.r >= 4")
        #expect(
            result.references.map(\.target) == [
                DefinitionID(.segment, "paying"), DefinitionID(.score, "expansion"), .rfm,
            ])
    }

    @Test func suggestionDistance() {
        #expect(Suggestion.nearest(to: "cout", in: ["count", "did"]) == "count")
        #expect(Suggestion.nearest(to: "titel", in: ["title", "description"]) == "title")
        #expect(Suggestion.nearest(to: "xyz", in: ["count", "did"]) == nil)
        #expect(Suggestion.nearest(to: "Count", in: ["count", "did"]) == "count")
    }
}
