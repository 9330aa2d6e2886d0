/// A reference from an expression to another definition, where it is written.
public struct Reference: Sendable, Hashable {
    /// The definition referred to.
    public var target: DefinitionID
    /// The file holding the reference.
    public var file: String?
    /// Where it is written.
    public var range: SourceRange

    /// A reference from its parts.
    public init(target: DefinitionID, file: String?, range: SourceRange) {
        self.target = target
        self.file = file
        self.range = range
    }
}
