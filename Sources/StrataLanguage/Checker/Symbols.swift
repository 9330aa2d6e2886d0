/// The names an expression may refer to, gathered from the workspace and the store.
public struct Symbols: Sendable {
    /// Segment names and the kind of profile each is of.
    public var segments: [String: ProfileKind]
    /// Score names (scores/NAME.yaml).
    public var scores: Set<String>
    /// Stage model names (stages/NAME.yaml).
    public var stages: Set<String>
    /// Computed trait names (traits.yaml) and their types (`.dynamic` until checked).
    public var computed: [String: ValueType]
    /// Event names seen in the store; nil skips the check. Unknown names are warnings.
    public var events: Set<String>?
    /// User trait names seen in the store; nil skips the check. Unknown names are warnings.
    public var traits: Set<String>?
    /// Account trait names seen in the store; nil skips the check. Unknown names are warnings.
    public var accountTraits: Set<String>?

    /// Symbols from their parts (all empty by default).
    public init(
        segments: [String: ProfileKind] = [:], scores: Set<String> = [], stages: Set<String> = [],
        computed: [String: ValueType] = [:], events: Set<String>? = nil, traits: Set<String>? = nil,
        accountTraits: Set<String>? = nil
    ) {
        self.segments = segments
        self.scores = scores
        self.stages = stages
        self.computed = computed
        self.events = events
        self.traits = traits
        self.accountTraits = accountTraits
    }
}
