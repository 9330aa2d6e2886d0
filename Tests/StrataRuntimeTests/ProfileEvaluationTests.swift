import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore
import Testing

/// One profile evaluated over its own messages (`strata profile`, `strata explain`) gives what an
/// evaluation of the whole store gives, and definitions whose value reaches past the profile are left
/// to the whole store.
@Suite struct ProfileEvaluationTests {
    static let files = [
        // 60 for four logins in the last 30 days (clamped), 40 for a demo.
        "scores/activity.yaml": """
        kind: weighted
        inputs:
          - expr: count("Logged In", last 30d) / 4
            weight: 60
            normalize: clamp
          - expr: did("Demo Attended")
            weight: 40
        """,
        "scores/rank.yaml": """
        kind: weighted
        inputs:
          - expr: count("Logged In", last 30d)
            weight: 1
            normalize: percentile
        """,
        "stages/life.yaml": """
        stages:
          - power: count("Logged In", last 30d) >= 3
          - casual: did("Logged In")
          - idle: else
        """,
        "segments/pro-active.yaml": "where: trait.plan = \"pro\" and score.activity >= 80\n",
        "segments/top-half.yaml": "where: score.rank >= 50\n",
        "segments/big-account.yaml": "where: account.trait.seats > 10\n",
    ]

    static func day(_ n: Int64) -> Int64 { n * Instant.day }

    /// Ann logs in as `a1` on days 5 and 12, is identified on day 15 (which joins a1 to her), logs in
    /// on days 20 and 35 and attends a demo on day 36; Bob logs in on day 38, in an account of 12 seats.
    static let messages = [
        track("t1", "Logged In", anonymous: "a1", day: 5), track("t2", "Logged In", anonymous: "a1", day: 12),
        Message(
            kind: .identify, messageId: "i1", userId: "ann", anonymousId: "a1", traits: ["plan": .string("pro")],
            timestamp: day(15), receivedAt: day(15)),
        track("t3", "Logged In", user: "ann", day: 20), track("t4", "Logged In", user: "ann", day: 35),
        track("t5", "Demo Attended", user: "ann", day: 36),
        Message(
            kind: .identify, messageId: "i2", userId: "bob", traits: ["plan": .string("free")], timestamp: day(1),
            receivedAt: day(1)),
        Message(
            kind: .group, messageId: "g1", userId: "bob", traits: ["seats": .number(12)], groupId: "acme",
            timestamp: day(2), receivedAt: day(2)),
        track("t6", "Logged In", user: "bob", day: 38),
    ]

    static func track(
        _ id: String, _ event: String, user: String? = nil, anonymous: String? = nil, day n: Int64
    )
        -> Message
    {
        Message(
            kind: .track, messageId: id, userId: user, anonymousId: anonymous, event: event, timestamp: day(n),
            receivedAt: day(n))
    }

    @Test func aProfileAloneGetsWhatTheWholeStoreGivesIt() async throws {
        try await withWorkspace(Self.files) { runtime in
            _ = try await runtime.store.append(
                Self.messages, quarantine: [])
            let session = try await runtime.session()
            let asOf = Self.day(40)
            let read = [DefinitionID(.score, "activity"), DefinitionID(.stage, "life")]
            let whole = try session.evaluate(asOf: asOf)
            // Ann's logins in (day 10, day 40]: days 12 (as a1, before she was identified), 20 and 35.
            let expected: [String: (Value, Value, Bool)] = [
                "ann": (.number(60 * 3 / 4 + 40), .string("power"), true),
                "a1": (.number(60 * 3 / 4 + 40), .string("power"), true),
                "bob": (.number(60 * 1 / 4), .string("casual"), false),
            ]
            for (id, (score, stage, member)) in expected {
                let alone = try #require(
                    session.evaluation(
                        of: try await runtime.store.profileMessages(id: id, asOf: asOf), reading: read, asOf: asOf))
                #expect(alone.population.users.count == 1)
                let index = try #require(alone.population.userIndex(forID: id))
                let everyone = try #require(whole.population.userIndex(forID: id))
                for (definition, value) in [(read[0], score), (read[1], stage)] {
                    #expect(try alone.engine.value(of: definition, profile: index) == value)
                    #expect(try whole.engine.value(of: definition, profile: everyone) == value)
                }
                #expect(try alone.engine.segment(named: "pro-active").flags[index] == member)
            }
            let nobody = try #require(session.evaluation(of: nil, reading: read, asOf: asOf))
            #expect(nobody.population.users.count == 0)
        }
    }

    @Test func aRankAgainstThePopulationOrAnAccountNeedsTheWholeStore() async throws {
        try await withWorkspace(Self.files) { runtime in
            let session = try await runtime.session()
            let definitions = session.definitions
            #expect(definitions.isProfileLocal(DefinitionID(.segment, "pro-active")))
            // The percentile score ranks, and so does a segment reading it; the account segment reaches
            // past the profile.
            for name in ["top-half", "big-account"] {
                #expect(!definitions.isProfileLocal(DefinitionID(.segment, name)))
                #expect(
                    session.evaluation(
                        of: try await runtime.store.profileMessages(id: "bob", asOf: Self.day(40)),
                        reading: [DefinitionID(.segment, name)], asOf: Self.day(40)) == nil)
            }
            #expect(!definitions.isProfileLocal(DefinitionID(.score, "rank")))
        }
    }
}
