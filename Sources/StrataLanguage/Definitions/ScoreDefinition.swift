/// A checked score (scores/NAME.yaml): a hand-weighted score or a trained logistic model.
public struct ScoreDefinition: Sendable {
    /// The file stem, kebab-case; read as `score.NAME`.
    public var name: String
    /// The workspace-relative file.
    public var file: String
    /// A human title.
    public var title: String?
    /// What the score measures.
    public var description: String?
    /// The owning team or person.
    public var owner: String?
    /// How the score is computed.
    public var model: Model

    /// A score from its parts.
    public init(
        name: String, file: String, title: String? = nil, description: String? = nil, owner: String? = nil,
        model: Model
    ) {
        self.name = name
        self.file = file
        self.title = title
        self.description = description
        self.owner = owner
        self.model = model
    }

    /// The kinds of score.
    public enum Model: Sendable {
        /// `kind: weighted`: 100 × Σ(wᵢ × normalized inputᵢ) / Σwᵢ, in 0-100.
        case weighted([WeightedInput])
        /// `kind: logistic`: the predicted probability × 100.
        case logistic(LogisticModel)
    }
}
