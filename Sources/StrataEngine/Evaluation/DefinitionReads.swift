import StrataLanguage

/// What definitions read, followed through the definitions they read (segments, scores, stage
/// models, computed traits, RFM), and what that says about where their values come from.
enum DefinitionReads {
    /// Whether `found` holds for any of some definitions or anything they read, directly or through
    /// other definitions: each definition is visited once, until one is found.
    static func any(
        from ids: [DefinitionID], _ definitions: Definitions, _ found: (DefinitionID) -> Bool
    ) -> Bool {
        var seen: Set<DefinitionID> = []
        var pending = ids
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            if found(next) { return true }
            pending += definitions.dependencies[next] ?? []
        }
        return false
    }

    /// Whether a definition itself (not what it reads) ranks profiles against the population: RFM,
    /// `percentile`, or a weighted score with an input normalised by percentile.
    static func ranksPopulation(_ id: DefinitionID, _ definitions: Definitions) -> Bool {
        if id.kind == .rfm { return true }
        if id.kind == .score, case .weighted(let inputs)? = definitions.score(named: id.name)?.model,
            inputs.contains(where: { $0.normalize == .percentile })
        {
            return true
        }
        var ranks = false
        for expression in DataNeeds.expressions(of: id, in: definitions) {
            PlanWalk.walk(expression, scope: .users) { item, _ in
                guard case .node(let node) = item else { return }
                switch node.node {
                case .percentile, .rfm: ranks = true
                default: break
                }
            }
        }
        return ranks
    }

    /// Whether a definition itself (not what it reads) reads accounts: it is an `of: accounts` segment,
    /// or reads an account's traits or events through `account.`.
    static func readsAccounts(_ id: DefinitionID, _ definitions: Definitions) -> Bool {
        if id.kind == .segment, definitions.segment(named: id.name)?.of == .accounts { return true }
        var reads = false
        for expression in DataNeeds.expressions(of: id, in: definitions) {
            PlanWalk.walk(expression, scope: .users) { _, scope in reads = reads || scope == .accounts }
        }
        return reads
    }
}

extension Definitions {
    /// Whether a user's own messages decide a definition's value for them, through everything it
    /// reads: nothing ranks users against the population (``DefinitionReads/ranksPopulation(_:_:)``)
    /// and nothing reads accounts, whose events and users reach past the profile. Such a definition
    /// gives a profile the same value over a population of that profile alone as over the whole store.
    public func isProfileLocal(_ id: DefinitionID) -> Bool {
        !DefinitionReads.any(from: [id], self) { read in
            DefinitionReads.ranksPopulation(read, self) || DefinitionReads.readsAccounts(read, self)
        }
    }
}
