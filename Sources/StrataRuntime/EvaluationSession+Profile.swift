import StrataActivation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

extension EvaluationSession: ProfileReader {
    /// Profiles as of instants, each evaluated alone: its traits and account, and the conditions (an
    /// activation step's `when`) evaluated over its own messages, all in one read of the store.
    /// Population-relative values (`percentile`, RFM bins, scores reading them) compare the profile
    /// only with itself here; an id no message names (or an account id, for activations of account
    /// segments) has the traits its group calls give and the conditions evaluated over those.
    public func facts(of requests: [FactsRequest]) async throws -> [ProfileFacts] {
        guard !requests.isEmpty else { return [] }
        return try await store.reading { source in try requests.map { try self.facts(of: $0, from: source) } }
    }

    private func facts(of request: FactsRequest, from source: any ProfileSource) throws -> ProfileFacts {
        let (profile, instant) = (request.profile, request.instant)
        var messages: [(sequence: Int64, message: Message)] = []
        var facts = ProfileFacts(id: profile, traits: [:])
        var kind = ProfileKind.users
        if let found = try source.profileMessages(id: profile, asOf: instant) {
            let summary = Profile(
                key: found.key, ids: found.ids, messages: found.messages, accountMessages: found.accountMessages,
                conflicts: found.conflicts, asOf: instant, recent: 0)
            facts.traits = summary.traits
            facts.account = summary.account
            facts.accountTraits = summary.accountTraits
            messages = found.messages + found.accountMessages
        } else {
            let calls = try source.groupCalls(account: profile).filter { $0.message.time <= instant }
            if !calls.isEmpty {
                kind = .accounts
                facts.account = profile
                facts.accountTraits = Profile.traits(ofAccount: profile, in: calls, asOf: instant)
                messages = calls
            }
        }
        guard !request.conditions.isEmpty else { return facts }
        var needs = DataNeeds(definitions: definitions)
        for condition in request.conditions { needs.add(condition, scope: kind) }
        let engine = engine(over: Self.population(of: messages, asOf: instant, needs: needs), now: instant)
        facts.conditions = request.conditions.map { condition in
            guard let value = try? engine.evaluate(condition, profile: profile, kind: kind) else { return nil }
            if case .bool(let flag) = value { return flag }
            return nil
        }
        return facts
    }
}

extension EvaluationSession {
    /// The evaluation that answers questions about one profile as of an instant, built from that
    /// profile's own messages and its account's group calls as the store gave them (`found`, read as
    /// of the same instant; nil when no message names the id by then, which gives a population without
    /// the profile), when every definition asked about is profile-local
    /// (``Definitions/isProfileLocal(_:)``), so that it gives the profile what an evaluation of the whole
    /// store gives; nil when one is not (evaluate the whole store instead).
    public func evaluation(
        of found: ProfileMessages?, reading definitionIDs: [DefinitionID], asOf instant: Int64
    ) -> Evaluation? {
        guard definitionIDs.allSatisfy(definitions.isProfileLocal) else { return nil }
        let started = ContinuousClock.now
        let messages = found.map { $0.messages + $0.accountMessages } ?? []
        let building = ContinuousClock.now
        let population = Self.population(of: messages, asOf: instant, needs: DataNeeds(definitions: definitions))
        let built = ContinuousClock.now
        return Evaluation(
            instant: instant, population: population, engine: engine(over: population, now: instant),
            messages: messages.count, loadSeconds: (built - started).seconds,
            buildSeconds: (built - building).seconds)
    }

    /// The population of some stored messages (each once, however often it is given) as of an instant.
    private static func population(
        of messages: [(sequence: Int64, message: Message)], asOf instant: Int64, needs: DataNeeds
    ) -> Population {
        var builder = TimelineBuilder(asOf: instant, needs: needs)
        var seen = Set<Int64>()
        for (sequence, message) in messages.sorted(by: { $0.sequence < $1.sequence })
        where seen.insert(sequence).inserted {
            builder.add(sequence: sequence, message: message)
        }
        return builder.build()
    }

    /// The activations, destinations, templates and messaging rules of this session's definitions.
    public var activationSettings: ActivationSettings {
        ActivationSettings(definitions: definitions, sources: sources, workspace: workspace.config.name, zone: zone)
    }
}
