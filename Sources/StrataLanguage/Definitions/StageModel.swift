/// A checked stage model (stages/NAME.yaml): ordered stages, the first that holds wins.
public struct StageModel: Sendable {
    /// The file stem, kebab-case; read as `stage.NAME`.
    public var name: String
    /// The workspace-relative file.
    public var file: String
    /// A human title.
    public var title: String?
    /// What the model describes.
    public var description: String?
    /// The owning team or person.
    public var owner: String?
    /// The stages in order.
    public var stages: [Stage]

    /// A stage model from its parts.
    public init(
        name: String, file: String, title: String? = nil, description: String? = nil, owner: String? = nil,
        stages: [Stage]
    ) {
        self.name = name
        self.file = file
        self.title = title
        self.description = description
        self.owner = owner
        self.stages = stages
    }

    /// One stage.
    public struct Stage: Sendable {
        /// The stage name, the value of `stage.MODEL`.
        public var name: String
        /// The condition, or nil for `else` (always holds; only last).
        public var condition: TypedExpr?

        /// A stage from its parts.
        public init(name: String, condition: TypedExpr?) {
            self.name = name
            self.condition = condition
        }
    }
}
