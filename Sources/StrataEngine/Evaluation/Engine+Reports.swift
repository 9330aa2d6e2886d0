import StrataLanguage

extension Engine {
    /// The stage of every profile of a kind under a stage model (missing when no stage holds and the
    /// model has no `else`), evaluating it on first use.
    public func stages(of model: StageModel, kind: ProfileKind = .users) throws(EngineError) -> [Value] {
        try values(of: DefinitionID(.stage, model.name), kind: kind, from: model.file, at: .start)
    }

    /// The value of a computed trait for every profile of a kind, evaluating it on first use.
    public func values(of trait: ComputedTrait, kind: ProfileKind = .users) throws(EngineError) -> [Value] {
        try values(of: DefinitionID(.computed, trait.name), kind: kind, from: "traits.yaml", at: .start)
    }
}
