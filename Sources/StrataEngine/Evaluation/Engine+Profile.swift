import StrataLanguage

extension Engine {
    /// The value of a score, stage model or computed trait for one profile, evaluating the definition
    /// (and what it reads) for every profile of its kind on first use.
    public func value(of id: DefinitionID, profile: Int, kind: ProfileKind = .users) throws(EngineError) -> Value {
        try values(of: id, kind: kind)[profile]
    }

    /// The values of a score, stage model or computed trait for every profile of a kind, in the
    /// population's order.
    public func values(of id: DefinitionID, kind: ProfileKind = .users) throws(EngineError) -> [Value] {
        try values(of: id, kind: kind, from: nil, at: .start)
    }
}

/// What the definitions say about one profile: the value of each computed trait (traits.yaml), score
/// and stage model, in definition order, with the reason when one is missing for every profile.
public struct ProfileValues: Sendable {
    /// One definition's value for the profile.
    public struct Entry: Sendable {
        /// The definition's name.
        public var name: String
        /// Its value (missing when it does not apply).
        public var value: Value
        /// Why it is missing for every profile, when it is (``Engine/missingReason(of:)``).
        public var missingReason: String?
    }

    /// The computed traits.
    public var computed: [Entry]
    /// The scores.
    public var scores: [Entry]
    /// The stage models' stages.
    public var stages: [Entry]
}

extension Engine {
    /// The computed traits, scores and stages of one user profile (see ``ProfileValues``).
    public func values(ofProfile profile: Int) throws(EngineError) -> ProfileValues {
        func entries(_ kind: DefinitionID.Kind, _ names: [String]) throws(EngineError) -> [ProfileValues.Entry] {
            var entries: [ProfileValues.Entry] = []
            for name in names {
                let id = DefinitionID(kind, name)
                entries.append(
                    .init(name: name, value: try value(of: id, profile: profile), missingReason: missingReason(of: id)))
            }
            return entries
        }
        return ProfileValues(
            computed: try entries(.computed, definitions.computedTraits.map(\.name)),
            scores: try entries(.score, definitions.scores.map(\.name)),
            stages: try entries(.stage, definitions.stageModels.map(\.name)))
    }
}
