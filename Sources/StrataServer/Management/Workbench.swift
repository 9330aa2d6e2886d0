import Foundation
import Hummingbird
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// The workspace's checked definitions and an engine over the whole store, evaluated as of now.
///
/// The evaluation is rebuilt lazily: on the first question after new messages were stored, after a
/// definition changed, or once it is older than ``Server/Configuration/maxEvaluationAge``. Everything
/// that reads the engine runs inside this actor, since an engine is used from one thread at a time.
actor Workbench {
    /// One evaluation of every segment.
    struct Evaluation {
        var definitions: Definitions
        var sources: [String: String]
        var engine: Engine
        var results: [String: Result<SegmentResult, EngineError>]
        /// Members of each segment sorted by bytes, the order pages follow.
        var sortedMembers: [String: [String]]
        var computedAt: Int64
        var builtAt: ContinuousClock.Instant
    }

    let workspace: Workspace
    let store: any EventStore
    private let metrics: Metrics
    private let configuration: Server.Configuration
    private var evaluation: Evaluation?

    init(workspace: Workspace, store: any EventStore, metrics: Metrics, configuration: Server.Configuration) {
        self.workspace = workspace
        self.store = store
        self.metrics = metrics
        self.configuration = configuration
    }

    /// Marks the evaluation out of date (new messages, or a changed definition).
    func invalidate() {
        evaluation = nil
    }

    /// The current evaluation, rebuilding it when out of date.
    func current() throws -> Evaluation {
        if let evaluation, ContinuousClock.now - evaluation.builtAt < configuration.maxEvaluationAge {
            return evaluation
        }
        let files = DefinitionFiles.read(from: workspace.root)
        let definitions = Definitions.load(files)
        try Self.requireValid(files.diagnostics + definitions.diagnostics, status: .internalServerError)
        let asOf = configuration.clock()
        var builder = TimelineBuilder(asOf: asOf, needs: DataNeeds(definitions: definitions))
        try store.forEachMessage(includingContext: false, payloadKeys: builder.payloadKeys) { sequence, message in
            builder.add(sequence: sequence, message: message)
        }
        let engine = Engine(
            population: builder.build(), definitions: definitions, zone: workspace.config.timezone, now: asOf)
        var results: [String: Result<SegmentResult, EngineError>] = [:]
        var sorted: [String: [String]] = [:]
        var sizes: [String: Int] = [:]
        for (name, result) in engine.allSegments() {
            results[name] = result
            if case .success(let segment) = result {
                sorted[name] = segment.members.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                sizes[name] = segment.members.count
            }
        }
        metrics.recordSegmentSizes(sizes)
        let built = Evaluation(
            definitions: definitions, sources: files.files, engine: engine, results: results, sortedMembers: sorted,
            computedAt: asOf, builtAt: .now)
        evaluation = built
        return built
    }

    /// Fails with the diagnostics when any is an error.
    static func requireValid(_ diagnostics: [Diagnostic], status: HTTPResponse.Status) throws {
        let errors = diagnostics.filter { $0.severity == .error }
        guard !errors.isEmpty else { return }
        throw APIError(
            status, "invalid_definitions", "the definitions have \(errors.count) error\(errors.count == 1 ? "" : "s")",
            details: ["diagnostics": .array(Diagnostic.sortedForDisplay(diagnostics).map(\.json))])
    }
}
