/// Names one definition of a workspace.
public struct DefinitionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kinds of definition.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// segments/NAME.yaml, read with `segment("NAME")`.
        case segment
        /// scores/NAME.yaml, read with `score.NAME`.
        case score
        /// stages/NAME.yaml, read with `stage.NAME`.
        case stage
        /// an entry of traits.yaml, read with `computed.NAME`.
        case computed
        /// rfm.yaml (one per workspace), read with `rfm.*`.
        case rfm
    }

    /// Which kind.
    public var kind: Kind
    /// The name (`"rfm"` for RFM).
    public var name: String

    /// An identifier from its parts.
    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// The RFM settings.
    public static let rfm = DefinitionID(.rfm, "rfm")

    /// How the definition is referred to: `a` for a segment, `score.x`, `stage.x`, `computed.x`, `rfm`.
    public var description: String {
        switch kind {
        case .segment: name
        case .score: "score.\(name)"
        case .stage: "stage.\(name)"
        case .computed: "computed.\(name)"
        case .rfm: "rfm"
        }
    }

    /// Orders by kind, then name.
    public static func < (a: DefinitionID, b: DefinitionID) -> Bool {
        let order = Kind.allCases
        let ka = order.firstIndex(of: a.kind) ?? 0
        let kb = order.firstIndex(of: b.kind) ?? 0
        return (ka, a.name) < (kb, b.name)
    }
}
