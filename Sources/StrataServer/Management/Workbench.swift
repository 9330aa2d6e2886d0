import Foundation
import Hummingbird
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// The workspace's evaluation session and an engine over the whole store, evaluated as of now: what
/// the management API reads besides memberships (definitions, a profile's scores and stages,
/// explanations, the members' first and last seen) and what cadence segments are recomputed with.
///
/// The evaluation is rebuilt lazily: on the first question after new messages were stored, after a
/// definition changed, or once it is older than ``Server/Configuration/maxEvaluationAge``. Everything
/// that reads the engine runs inside this actor, since an engine is used from one thread at a time.
actor Workbench {
    /// One evaluation of every segment.
    struct Current {
        var session: EvaluationSession
        var evaluation: Evaluation
        var results: [String: Result<SegmentResult, EngineError>]
        var builtAt: ContinuousClock.Instant

        var definitions: Definitions { session.definitions }
        var engine: Engine { evaluation.engine }
        var computedAt: Int64 { evaluation.instant }
    }

    let runtime: Runtime
    private let metrics: Metrics
    private let configuration: Server.Configuration
    private var current: Current?
    /// The session, kept until a definition changes through the API or it is older than
    /// ``Server/Configuration/maxEvaluationAge`` (files edited by hand are read again then).
    private var cachedSession: (session: EvaluationSession, builtAt: ContinuousClock.Instant)?

    init(runtime: Runtime, metrics: Metrics, configuration: Server.Configuration) {
        self.runtime = runtime
        self.metrics = metrics
        self.configuration = configuration
    }

    /// The workspace.
    nonisolated var workspace: Workspace { runtime.workspace }
    /// The store.
    nonisolated var store: any Store { runtime.store }

    /// Marks the evaluation out of date (new messages).
    func invalidate() {
        current = nil
    }

    /// Marks the evaluation and the session out of date (a definition changed).
    func definitionsChanged() {
        current = nil
        cachedSession = nil
    }

    /// The workspace's session (see ``cachedSession``).
    func session() async throws -> EvaluationSession {
        if let cachedSession, ContinuousClock.now - cachedSession.builtAt < configuration.maxEvaluationAge {
            return cachedSession.session
        }
        let session = try await Self.session(runtime, status: .internalServerError)
        cachedSession = (session, .now)
        return session
    }

    /// The current evaluation, rebuilding it when out of date, or, `asOfNow`, when the clock moved since
    /// it was built (cadence recomputations evaluate as of their due instant).
    func evaluation(asOfNow: Bool = false) async throws -> Current {
        if let current, ContinuousClock.now - current.builtAt < configuration.maxEvaluationAge,
            !asOfNow || current.computedAt == configuration.clock()
        {
            return current
        }
        let session = try await session()
        let evaluation: Evaluation
        do throws(SessionError) {
            evaluation = try session.evaluate(asOf: configuration.clock())
        } catch {
            throw APIError(.internalServerError, error.code.rawValue, error.message)
        }
        var results: [String: Result<SegmentResult, EngineError>] = [:]
        for (name, result) in evaluation.engine.allSegments() { results[name] = result }
        let built = Current(session: session, evaluation: evaluation, results: results, builtAt: .now)
        current = built
        return built
    }

    /// The workspace's session, failing with the diagnostics (under `status`) when the definitions
    /// have errors.
    static func session(_ runtime: Runtime, status: HTTPResponse.Status) async throws -> EvaluationSession {
        do throws(SessionError) {
            return try await runtime.session()
        } catch {
            throw APIError(error, status: status)
        }
    }

    /// Fails with the diagnostics when any is an error.
    static func requireValid(_ diagnostics: [Diagnostic], status: HTTPResponse.Status) throws {
        guard diagnostics.contains(where: { $0.severity == .error }) else { return }
        throw APIError(SessionError.invalid(diagnostics), status: status)
    }

    /// The definition of a segment; 404 with a did-you-mean when none has this name.
    func definition(named name: String) async throws -> SegmentDefinition {
        let definitions = try await session().definitions
        if let definition = definitions.segment(named: name) { return definition }
        let hint = Suggestion.nearest(to: name, in: definitions.segments.map(\.name)).map {
            "; did you mean `\($0)`?"
        }
        throw APIError.notFound("no segment `\(name)`\(hint ?? "")")
    }
}

extension APIError {
    /// A session failure: the definitions' errors under `status` with their diagnostics, a store or
    /// evaluation failure as 500, an unknown definition as 404, an argument out of range as 400.
    init(_ error: SessionError, status: HTTPResponse.Status) {
        switch error.code {
        case .invalidDefinitions:
            self.init(
                status, error.code.rawValue, error.message,
                details: ["diagnostics": .array(error.diagnostics.map(\.json))])
        case .unknownDefinition: self.init(.notFound, "not_found", error.message)
        case .invalidArgument:
            self.init(
                .badRequest, "bad_request", error.message,
                details: error.diagnostics.isEmpty ? [:] : ["diagnostics": .array(error.diagnostics.map(\.json))])
        case .store, .evaluation: self.init(.internalServerError, error.code.rawValue, error.message)
        }
    }
}
