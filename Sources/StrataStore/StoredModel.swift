/// A trained model as the store keeps it: its name, when it was trained, and its document (JSON that
/// the engine writes and reads; the store does not look inside).
public struct StoredModel: Sendable, Equatable {
    /// The score's name.
    public var name: String
    /// When it was trained.
    public var trainedAt: Int64
    /// The model, as JSON text.
    public var document: String

    /// A stored model from its parts.
    public init(name: String, trainedAt: Int64, document: String) {
        self.name = name
        self.trainedAt = trainedAt
        self.document = document
    }
}
