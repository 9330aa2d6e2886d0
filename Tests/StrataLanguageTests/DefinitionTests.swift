import StrataCore
import StrataLanguage
import Testing

@Suite("Definitions")
struct DefinitionTests {
    func load(_ files: [String: String], events: Set<String>? = nil) -> Definitions {
        Definitions.load(DefinitionFiles(files), knownEvents: events)
    }

    func messages(_ definitions: Definitions) -> [String] {
        definitions.diagnostics.map(\.description)
    }

    @Test func aSegmentLoadsWithAllItsFields() throws {
        let definitions = load([
            "segments/at-risk-users.yaml": """
            title: At-risk users
            description: Login frequency fell.
            of: users
            owner: customer-success
            refresh: 15m
            where: >
              count("Logged In", last 30d) <= 0.4 * count("Logged In", from 60d ago to 30d ago)
              or (did("Report Run", before 30d ago) and not did("Report Run", last 30d))
            min_size: 200
            success_metric: retained_d30
            reviewed: 2026-11-01
            """
        ])
        #expect(messages(definitions) == [])
        let segment = try #require(definitions.segment(named: "at-risk-users"))
        #expect(segment.title == "At-risk users")
        #expect(segment.of == .users)
        #expect(segment.refresh == .fifteenMinutes)
        #expect(segment.refresh.interval == 900_000)
        #expect(segment.minSize == 200)
        #expect(segment.successMetric == "retained_d30")
        #expect(segment.reviewed == DateLiteral(year: 2026, month: 11, day: 1))
        #expect(segment.condition.range.start == SourceLocation(line: 7, column: 3, offset: 114))
        guard case .or = segment.condition.node else {
            Issue.record("expected an `or` at the top")
            return
        }
    }

    @Test func unknownKeyIsAnErrorWithSuggestion() {
        let definitions = load(["segments/a.yaml": "titel: A\nwhere: did(any)\n"])
        #expect(
            messages(definitions) == [
                "segments/a.yaml:1:1: error: unknown key `titel` in a segment; did you mean `title`?"
            ])
        #expect(definitions.segments.isEmpty)
    }

    @Test func unknownKeyWithoutNearNameListsTheKeys() {
        let definitions = load(["segments/a.yaml": "where: did(any)\ncolour: red\n"])
        #expect(
            messages(definitions) == [
                "segments/a.yaml:2:1: error: unknown key `colour` in a segment: expected one of title, description, of, "
                    + "owner, refresh, where, min_size, success_metric, reviewed"
            ])
    }

    @Test func cycleBetweenSegmentsReportsThePath() {
        let definitions = load([
            "segments/a.yaml": "where: segment(\"b\")\n",
            "segments/b.yaml": "where: segment(\"a\")\n",
        ])
        #expect(messages(definitions) == ["segments/a.yaml:1:16: error: cycle between definitions: a -> b -> a"])
        #expect(definitions.diagnostics.first?.code == .cycle)
    }

    @Test func longerAndMixedCycles() {
        let definitions = load([
            "segments/a.yaml": "where: segment(\"b\")\n",
            "segments/b.yaml": "where: score.s > 50\n",
            "scores/s.yaml": "kind: weighted\ninputs:\n  - expr: segment(\"a\")\n    weight: 1\n",
            "segments/self.yaml": "where: >\n  percentile(count(any), among: \"self\") > 50\n",
        ])
        #expect(
            messages(definitions) == [
                "segments/a.yaml:1:16: error: cycle between definitions: a -> b -> score.s -> a",
                "segments/self.yaml:2:33: error: cycle between definitions: self -> self",
            ])
    }

    @Test func dependenciesAndEvaluationOrder() {
        let definitions = load([
            "segments/paying.yaml": "where: trait.plan in [\"pro\", \"enterprise\"]\n",
            "segments/targets.yaml": "where: segment(\"paying\") and score.expansion >= 70\n",
            "scores/expansion.yaml":
                "kind: weighted\ninputs:\n  - expr: count(\"Logged In\", last 30d)\n    weight: 1\n    normalize: percentile\n",
        ])
        #expect(messages(definitions) == [])
        let targets = DefinitionID(.segment, "targets")
        #expect(
            definitions.dependencies[targets] == [DefinitionID(.segment, "paying"), DefinitionID(.score, "expansion")])
        let order = definitions.evaluationOrder
        let position = { (id: DefinitionID) in order.firstIndex(of: id) ?? -1 }
        #expect(position(DefinitionID(.segment, "paying")) < position(targets))
        #expect(position(DefinitionID(.score, "expansion")) < position(targets))
        #expect(order.count == 4)
    }

    static let blockScalars: [(String, String, String)] = [
        ("folded", "title: X\nwhere: >\n  did(\"A\") and\n  cout(\"B\") > 1\n", "segments/x.yaml:4:3"),
        ("literal", "title: X\nwhere: |\n  did(\"A\")\n    and cout(\"B\") > 1\n", "segments/x.yaml:4:9"),
        ("folded strip", "where: >-\n    did(\"A\")\n    and cout(\"B\") > 1\ntitle: X\n", "segments/x.yaml:3:9"),
        ("plain multi-line", "where: did(\"A\")\n  and cout(\"B\") > 1\n", "segments/x.yaml:2:7"),
        ("plain", "where: did(\"A\") and cout(\"B\") > 1\n", "segments/x.yaml:1:21"),
        ("double quoted", "where: \"did(\\\"A\\\") and cout(\\\"B\\\") > 1\"\n", "segments/x.yaml:1:24"),
        ("single quoted", "where: 'did(\"A\") and cout(\"B\") > 1'\n", "segments/x.yaml:1:22"),
    ]

    @Test("expressions in YAML report file positions", arguments: blockScalars)
    func positionsInYAML(style: String, yaml: String, place: String) {
        let definitions = load(["segments/x.yaml": yaml])
        #expect(
            messages(definitions) == ["\(place): error: unknown function `cout`; did you mean `count`?"], "\(style)")
    }

    @Test func colonInAPlainScalarGetsAHint() {
        let definitions = load(["segments/x.yaml": "where: followed_by(\"A\", \"B\", within: 2h)\n"])
        #expect(
            messages(definitions) == [
                "segments/x.yaml:1:36: error: invalid YAML: mapping values are not allowed in this context "
                    + "(an expression holding `: `, such as `within: 2h`, must be a block: write `where: >` and the "
                    + "expression on the next lines, indented)"
            ])
    }

    @Test func unknownEventInYAMLIsAWarningAndTheSegmentLoads() {
        let definitions = load(
            ["segments/x.yaml": "where: >\n  did(\"Loged In\")\n"], events: ["Logged In"])
        #expect(
            messages(definitions) == [
                "segments/x.yaml:2:7: warning: unknown event \"Loged In\": no such event in the store; did you mean `Logged In`?"
            ])
        #expect(definitions.segments.count == 1)
        #expect(!definitions.hasErrors)
    }

    static let invalidSegments: [(String, String, String)] = [
        (
            "Bad_Name.yaml", "where: did(any)\n",
            "segments/Bad_Name.yaml:1:1: error: segment name `Bad_Name` must be kebab-case (lowercase letters and digits joined by hyphens); did you mean `bad-name`?"
        ),
        ("x.yaml", "title: X\n", "segments/x.yaml:1:1: error: a segment needs `where`, its membership condition"),
        (
            "x.yaml", "where: did(any)\nrefresh: realtme\n",
            "segments/x.yaml:2:10: error: expected `refresh` to be one of realtime, 15m, 1h, 6h, daily, found `realtme`; did you mean `realtime`?"
        ),
        (
            "x.yaml", "where: did(any)\nof: acounts\n",
            "segments/x.yaml:2:5: error: expected `of` to be one of users, accounts, found `acounts`; did you mean `accounts`?"
        ),
        (
            "x.yaml", "where: did(any)\nmin_size: lots\n",
            "segments/x.yaml:2:11: error: expected `min_size` to be a whole number >= 0, found `lots`"
        ),
        (
            "x.yaml", "where: did(any)\nreviewed: 2026-13-01\n",
            "segments/x.yaml:2:11: error: expected `reviewed` to be a date such as 2026-11-01; found `2026-13-01`"
        ),
        (
            "x.yaml", "where: did(any)\nowner: \"\"\n",
            "segments/x.yaml:2:8: error: `owner` is blank: write a value or leave the key out"
        ),
        (
            "x.yaml", "title: \"  \"\nwhere: did(any)\n",
            "segments/x.yaml:1:8: error: `title` is blank: write a value or leave the key out"
        ),
        ("x.yaml", "where:\n", "segments/x.yaml:1:7: error: expected `where` to be an expression (text)"),
        (
            "x.yaml", "- where: did(any)\n",
            "segments/x.yaml:1:1: error: expected a segment to be a mapping of keys (title, description, of, owner, refresh, where, min_size, success_metric, reviewed)"
        ),
        (
            "x.yaml", "where: [did(any)\n",
            "segments/x.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence"
        ),
        ("x.yaml", "where: did(any)\nwhere: did(any)\n", "segments/x.yaml:1:1: error: duplicate key `where`"),
        (
            "x.yaml", "where: count(\"A\")\n",
            "segments/x.yaml:1:8: error: a segment's `where` must be a condition (bool), found a number"
        ),
        (
            "x.yaml", "of: accounts\nwhere: trait.plan = \"pro\" and account.trait.x = 1\n",
            "segments/x.yaml:2:31: error: `account.` is only valid in a definition of users; this one is of accounts"
        ),
        (
            "x.yaml", "where: did(any)\n" + String(repeating: "[", count: 300),
            "segments/x.yaml:2:257: error: YAML is nested too deeply (more than 256 levels)"
        ),
    ]

    @Test("segment file errors", arguments: invalidSegments)
    func invalidSegment(file: String, yaml: String, expected: String) {
        let definitions = load(["segments/\(file)": yaml])
        #expect(messages(definitions) == [expected])
        #expect(definitions.segments.isEmpty)
    }

    @Test func weightedScore() throws {
        let definitions = load([
            "scores/expansion.yaml": """
            kind: weighted
            title: Expansion
            inputs:
              - expr: count_distinct("Feature Used", feature, last 30d) / 12
                weight: 40
                normalize: clamp
              - expr: count("Logged In", last 30d)
                weight: 30
                normalize: percentile
              - expr: avg("Ticket Rated", sentiment, last 90d)
                weight: 15
                normalize: range -1 1
                missing: 0.5
              - expr: did("Upgrade Viewed", last 14d)
                weight: 15
            """
        ])
        #expect(messages(definitions) == [])
        let score = try #require(definitions.score(named: "expansion"))
        guard case .weighted(let inputs) = score.model else {
            Issue.record("expected a weighted score")
            return
        }
        #expect(inputs.map(\.weight) == [40, 30, 15, 15])
        #expect(inputs.map(\.normalize) == [.clamp, .percentile, .range(-1, 1), .none])
        #expect(inputs.map(\.missing) == [0, 0, 0.5, 0])
        #expect(inputs[3].expression.type == .bool)
    }

    @Test func logisticModel() throws {
        let definitions = load([
            "segments/paying.yaml": "where: trait.plan in [\"pro\"]\n",
            "scores/churn-30d.yaml": """
            kind: logistic
            population: segment("paying")
            features:
              - count("Logged In", last 30d)
              - count("Logged In", last 30d) - count("Logged In", from 60d ago to 30d ago)
              - trait.plan = "pro"
            label: did("Subscription Cancelled", next 30d)   # labels only
            train_as_of: [2026-06-01, 2026-07-01, 2026-08-01]
            """,
        ])
        #expect(messages(definitions) == [])
        let score = try #require(definitions.score(named: "churn-30d"))
        guard case .logistic(let model) = score.model else {
            Issue.record("expected a logistic model")
            return
        }
        #expect(model.features.count == 3)
        #expect(
            model.trainAsOf == [
                DateLiteral(year: 2026, month: 6, day: 1), DateLiteral(year: 2026, month: 7, day: 1),
                DateLiteral(year: 2026, month: 8, day: 1),
            ])
        #expect(firstWindow(model.label) == .next(30 * day))
        #expect(model.population?.node == .segment("paying"))
    }

    static let invalidScores: [(String, String)] = [
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    wieght: 2\n",
            "scores/s.yaml:4:5: error: unknown key `wieght` in a score input; did you mean `weight`?"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    normalize: clmp\n",
            "scores/s.yaml:4:16: error: expected `normalize` to be clamp, percentile or range A B with A != B (e.g. range -1 1), found `clmp`; did you mean `clamp`?"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    normalize: range 1 1\n",
            "scores/s.yaml:4:16: error: expected `normalize` to be clamp, percentile or range A B with A != B (e.g. range -1 1), found `range 1 1`"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    weight: -1\n",
            "scores/s.yaml:4:13: error: expected `weight` to be >= 0"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    weight: heavy\n",
            "scores/s.yaml:4:13: error: expected `weight` to be a number, found `heavy`"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    missing: 1.5\n",
            "scores/s.yaml:4:14: error: expected `missing` to be a normalised value between 0 and 1"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    missing: none\n",
            "scores/s.yaml:4:14: error: expected `missing` to be a number, found `none`"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: count(any)\n    weight: 0\n",
            "scores/s.yaml:2:1: error: the weights of `inputs` must add up to more than 0"
        ),
        (
            "kind: weighted\ninputs:\n  - expr: trait.plan = \"pro\" and \"x\"\n",
            "scores/s.yaml:3:34: error: expected a condition (bool) for `and`, found a string"
        ),
        (
            "kind: weighted\nfeatures: []\ninputs:\n  - expr: count(any)\n",
            "scores/s.yaml:2:1: error: key `features` belongs to `kind: logistic`, not weighted"
        ),
        (
            "kind: weigthed\n",
            "scores/s.yaml:1:7: error: expected `kind` to be one of weighted, logistic, found `weigthed`; did you mean `weighted`?"
        ),
        ("inputs: []\n", "scores/s.yaml:1:1: error: a score needs `kind`: weighted or logistic"),
        (
            "kind: logistic\nfeatures:\n  - count(any)\nlabel: did(\"A\", next 30d)\ntrain_as_of: [2026-06-31]\n",
            "scores/s.yaml:5:15: error: expected `train_as_of` to be a date such as 2026-11-01; found `2026-06-31`"
        ),
        (
            "kind: logistic\nfeatures:\n  - did(\"A\", next 7d)\nlabel: did(\"A\", next 30d)\ntrain_as_of: 2026-06-01\n",
            "scores/s.yaml:3:14: error: `next` looks past the evaluation instant: it is only allowed in a model's `label`"
        ),
    ]

    @Test("score file errors", arguments: invalidScores)
    func invalidScore(yaml: String, expected: String) {
        let definitions = load(["scores/s.yaml": yaml])
        #expect(messages(definitions) == [expected])
        #expect(definitions.scores.isEmpty)
    }

    @Test func stageModel() throws {
        let definitions = load([
            "stages/lifecycle.yaml": """
            stages:
              - new: days_since_first(any) < 14
              - active: did(any, last 14d)
              - at-risk: did(any, last 60d)
              - churned: else
            """,
            "segments/churned.yaml": "where: stage.lifecycle = \"churned\"\n",
        ])
        #expect(messages(definitions) == [])
        let model = try #require(definitions.stageModel(named: "lifecycle"))
        #expect(model.stages.map(\.name) == ["new", "active", "at-risk", "churned"])
        #expect(model.stages.map { $0.condition == nil } == [false, false, false, true])
        #expect(definitions.dependencies[DefinitionID(.segment, "churned")] == [DefinitionID(.stage, "lifecycle")])
    }

    @Test func elseMustBeLast() {
        let definitions = load(["stages/s.yaml": "stages:\n  - a: else\n  - b: did(any)\n"])
        #expect(
            messages(definitions) == [
                "stages/s.yaml:2:8: error: `else` must be the last stage: later stages never match"
            ])
    }

    @Test func computedTraitsAndRFM() throws {
        let definitions = load([
            "traits.yaml": """
            ltv: sum("Order Completed", revenue)
            big-spender: computed.ltv > 1000
            """,
            "rfm.yaml": """
            recency: days_since("Paid Feature Used")
            frequency: count("Paid Feature Used", last 12w) / 12
            monetary: trait.mrr
            map: seed
            """,
            "segments/champions.yaml": "where: rfm.segment = \"Champions\" and computed.big-spender\n",
        ])
        #expect(messages(definitions) == [])
        #expect(definitions.computedTraits.map(\.name) == ["ltv", "big-spender"])
        #expect(definitions.computedTraits.map(\.expression.type) == [.number, .bool])
        #expect(definitions.rfm.map == .seed)
        #expect(definitions.rfm.map.rows.first == RFMRow("Champions", r: 5...5, f: 5...5, m: 5...5))
        #expect(definitions.rfm.monetary.node == .trait(["mrr"]))
        #expect(
            definitions.dependencies[DefinitionID(.segment, "champions")] == [
                .rfm, DefinitionID(.computed, "big-spender"),
            ])
    }

    @Test func rfmDefaultsAndCustomMap() throws {
        let defaults = load([:])
        #expect(defaults.rfm.map == .standard)
        #expect(defaults.rfm.map.rows.count == 11)
        guard case .aggregate(let recency) = defaults.rfm.recency.node else {
            Issue.record("expected days_since")
            return
        }
        #expect(recency.function == .daysSince)
        #expect(recency.selector.names == ["Order Completed"])

        let custom = load(["rfm.yaml": "map:\n  - name: Best\n    r: 5\n    f: 4-5\n  - name: Rest\n"])
        #expect(messages(custom) == [])
        #expect(custom.rfm.map == .custom([RFMRow("Best", r: 5...5, f: 4...5), RFMRow("Rest")]))

        let bad = load(["rfm.yaml": "map:\n  - name: Best\n    r: 6\n"])
        #expect(
            messages(bad) == ["rfm.yaml:3:8: error: expected `r` to be a bin 1-5 or a range such as 4-5, found `6`"])
    }

    @Test func standardMapCoversEveryBinCombination() {
        for r in 1...5 {
            for f in 1...5 {
                for m in 1...5 {
                    #expect(RFMRow.standard.contains { $0.matches(r: r, f: f, m: m) })
                    #expect(RFMRow.seed.contains { $0.matches(r: r, f: f, m: m) })
                }
            }
        }
    }
}
