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
