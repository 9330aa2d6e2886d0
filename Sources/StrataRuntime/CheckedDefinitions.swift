import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// A workspace's definitions as they are on disk, checked against what its store holds: event names
/// and trait names never stored are warnings, and so are logistic scores with no trained model for their current
/// definition (they evaluate to missing until `strata train NAME`).
public struct CheckedDefinitions: Sendable {
    /// The definition files' texts, by workspace-relative path.
    public var sources: [String: String]
    /// The checked definitions.
    public var definitions: Definitions
    /// Every diagnostic of the files and the definitions, errors and warnings, sorted for display.
    public var diagnostics: [Diagnostic]
    /// The stored models that match the logistic definitions, by score name.
    public var trainedModels: [String: TrainedModel]
    /// When each stored model was trained, by score name (whether or not it matches its definition).
    public var storedModels: [String: Int64]
    /// How many messages the store held when the definitions were checked.
    public var messages: Int

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Reads and checks the definition files of a workspace against its store; without a store (a
    /// workspace that has none yet), event names are not checked and no model is trained.
    public static func check(
        _ workspace: Workspace, store: (any Store)?
    ) async throws(SessionError) -> CheckedDefinitions {
        let files = DefinitionFiles.read(from: workspace.root)
        var known: [String] = []
        var traits = TraitNames()
        var messages = 0
        var documents: [String: String] = [:]
        var versions: [String: Int64] = [:]
        if let store {
            do {
                let statistics = try await store.statistics()
                (known, traits, messages) = (statistics.eventNames, statistics.traitNames, statistics.messages)
                let models = try await store.models()
                documents = Dictionary(models.map { ($0.name, $0.document) }, uniquingKeysWith: { _, last in last })
                versions = EvaluationSession.versions(of: models)
            } catch {
                throw .store(error)
            }
        }
        // With no stored messages there is nothing to compare names with (a new workspace).
        let definitions = Definitions.load(
            files, knownEvents: known.isEmpty ? nil : Set(known), knownTraits: messages == 0 ? nil : traits.users,
            knownAccountTraits: messages == 0 ? nil : traits.accounts)
        let trained = TrainedModel.matching(documents, definitions: definitions, sources: files.files)
        var diagnostics = definitions.diagnostics
        for score in definitions.scores where trained[score.name] == nil {
            guard case .logistic = score.model else { continue }
            diagnostics.append(
                Diagnostic(
                    .warning, .untrainedModel,
                    "score.\(score.name) is a logistic model with no trained model for its current features, "
                        + "label and population: it is missing for every profile until you run "
                        + "`strata train \(score.name)`",
                    file: score.file, at: SourceRange(at: .start)))
        }
        // With `store: clickhouse`, segments outside the SQL subset are errors at the construct.
        if workspace.config.clickhouse != nil {
            diagnostics += Evaluator.diagnostics(definitions, zone: workspace.config.timezone)
        }
        return CheckedDefinitions(
            sources: files.files, definitions: definitions, diagnostics: Diagnostic.sortedForDisplay(diagnostics),
            trainedModels: trained, storedModels: versions, messages: messages)
    }
}
