/// Where trained models are kept, one per score name.
public protocol ModelStore: Sendable {
    /// Stores a trained model, replacing the one of the same name.
    func saveModel(_ model: StoredModel) async throws

    /// Every stored model, by name.
    func models() async throws -> [StoredModel]
}
