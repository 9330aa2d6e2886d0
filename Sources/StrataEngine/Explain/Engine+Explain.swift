import StrataLanguage

extension Engine {
    /// Explains a segment for one profile: every sub-expression of its `where` with its value.
    ///
    /// - Parameters:
    ///   - name: the segment.
    ///   - id: the profile (a profile id, or any userId / anonymousId merged into it; a groupId for
    ///     segments of accounts).
    ///   - sources: definition file texts by workspace-relative path, for the source text of each
    ///     sub-expression; without them the text is printed from the plan.
    public func explain(
        segment name: String, profile id: String, sources: [String: String] = [:]
    )
        throws(EngineError) -> Explanation
    {
        let result = try segment(named: name)
        guard let definition = definitions.segment(named: name) else {
            throw EngineError("unknown segment `\(name)`")
        }
        guard let index = population.index(forID: id, kind: definition.of) else {
            let what = definition.of == .users ? "profile" : "account"
            throw EngineError("no \(what) with id `\(id)` as of this instant")
        }
        let explainer = Explainer(
            engine: self, file: definition.file, source: sources[definition.file].map { Array($0.utf8) })
        let root = try explainer.node(definition.condition, kind: definition.of, profile: index)
        return Explanation(
            segment: name, profile: population.timelines(definition.of).ids[index], isMember: result.flags[index],
            root: root)
    }
}
