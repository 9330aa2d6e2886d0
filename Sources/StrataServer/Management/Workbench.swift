import Foundation
import Hummingbird
import Logging
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// The workspace's evaluation session and an engine over the whole store: what the management API
/// reads besides memberships (definitions, a profile's scores and stages, explanations, the members'
/// first and last seen) and what cadence segments are recomputed with.
///
/// Reads take the latest evaluation at once, however old (``latest()``), and say the instant it is of;
/// once messages were stored since, or it is older than ``Server/Configuration/maxEvaluationAge``, a
/// rebuild runs in the background and replaces it when done, so no read waits for the whole store to
/// be evaluated again. Only the first read, the first after a definition changed, and a cadence
/// recomputation (which needs the present instant) wait for one (``evaluation(asOfNow:)``). An
/// evaluation is built on a thread of its own, off the cooperative threads the requests run on;
/// everything that reads its engine runs inside this actor, since an engine is used from one thread at
/// a time.
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

    /// An evaluation handed from the thread that built it to the actor, which alone uses it after.
    final class Built: @unchecked Sendable {
        let current: Current
        init(_ current: Current) { self.current = current }
    }

    let runtime: Runtime
    private let metrics: Metrics
    let configuration: Server.Configuration
    private let logger: Logger
    private var current: Current?
    /// Whether messages were stored since ``current`` began to be built.
    private var stale = false
    /// Whether a rebuild runs in the background.
    private var refreshing = false
    /// Counts definition changes: an evaluation begun before one is not installed.
    private var generation = 0
    /// The session, kept until a definition changes through the API or it is older than
    /// ``Server/Configuration/maxEvaluationAge`` (files edited by hand are read again then).
    private var cachedSession: (session: EvaluationSession, builtAt: ContinuousClock.Instant)?

    init(runtime: Runtime, metrics: Metrics, configuration: Server.Configuration, logger: Logger) {
        self.runtime = runtime
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
    }

    /// The workspace.
    nonisolated var workspace: Workspace { runtime.workspace }
    /// The store.
    nonisolated var store: any Store { runtime.store }

    /// Marks the evaluation out of date (new messages).
    func invalidate() {
        stale = true
    }

    /// Drops the evaluation and the session (a definition changed): none is served for other definitions.
    func definitionsChanged() {
        current = nil
        cachedSession = nil
        generation += 1
    }

    /// Installs the evaluation of every segment the live engine was reloaded with at a definition
    /// change, so that the reads after it answer from it rather than evaluate the store again (the
    /// answer to a `PUT` waited for that): unless the definition files changed since it was made, or a
    /// later evaluation is installed. (The reads after a start wait for an evaluation of their own, as
    /// of the first read, rather than answer as of the start.)
    func install(_ built: Built) async {
        guard let session = try? await session(), session.sources == built.current.session.sources,
            (current?.computedAt ?? .min) <= built.current.computedAt
        else { return }
        current = built.current
        metrics.recordEvaluation(by: "live")
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

    /// The latest evaluation at once, however old; when messages were stored since or it is older than
    /// ``Server/Configuration/maxEvaluationAge``, a rebuild starts in the background. Waits for one only
    /// when there is none yet.
    func latest() async throws -> Current {
        guard let current else { return try await evaluation() }
        refreshIfOutOfDate(current)
        return current
    }

    /// The latest evaluation at once, however old, nil when there is none yet; a rebuild starts in the
    /// background when there is none, messages were stored since, or it is older than
    /// ``Server/Configuration/maxEvaluationAge``. For the pages, which never wait for the whole store.
    func available() -> Current? {
        if let current { refreshIfOutOfDate(current) } else { refreshInBackground() }
        return current
    }

    private func refreshIfOutOfDate(_ current: Current) {
        if stale || ContinuousClock.now - current.builtAt >= configuration.maxEvaluationAge { refreshInBackground() }
    }

    private func refreshInBackground() {
        guard !refreshing else { return }
        refreshing = true
        Task {
            do {
                _ = try await rebuild(background: true)
            } catch {
                logger.error("the background evaluation failed", metadata: ["error": "\(error)"])
            }
            refreshing = false
        }
    }

    /// An evaluation as of now: the current one unless messages were stored since it began, a
    /// definition changed, it is older than ``Server/Configuration/maxEvaluationAge``, or, `asOfNow`,
    /// the clock moved since it was built (cadence recomputations evaluate as of their due instant).
    func evaluation(asOfNow: Bool = false) async throws -> Current {
        if let current, !stale, ContinuousClock.now - current.builtAt < configuration.maxEvaluationAge,
            !asOfNow || current.computedAt == configuration.clock()
        {
            return current
        }
        return try await rebuild(background: false)
    }

    /// Evaluates every segment as of now on a thread of its own (at the lowest priority in the
    /// `background`) and installs the result unless a definition changed meanwhile.
    private func rebuild(background: Bool) async throws -> Current {
        let session = try await session()
        let (generation, instant) = (self.generation, configuration.clock())
        stale = false
        let built = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Built, any Error>) in
            let work: @Sendable () -> Void = {
                continuation.resume(
                    with: Result { () throws(APIError) -> Built in
                        let evaluation: Evaluation
                        do throws(SessionError) {
                            evaluation = try session.evaluate(asOf: instant)
                        } catch {
                            throw APIError(.internalServerError, error.code.rawValue, error.message)
                        }
                        var results: [String: Result<SegmentResult, EngineError>] = [:]
                        for (name, result) in evaluation.engine.allSegments() { results[name] = result }
                        // What a profile's values read of the whole population (scores ranked against
                        // it, the RFM quintiles), made here rather than by the first read of a profile.
                        // A failure is not kept: the read that needs the value meets it again.
                        if evaluation.engine.population.users.count > 0 {
                            _ = try? evaluation.engine.values(ofProfile: 0)
                            _ = try? evaluation.engine.rfm()
                        }
                        return Built(Current(session: session, evaluation: evaluation, results: results, builtAt: .now))
                    })
            }
            if background {
                LowPriorityThread.run(work)
            } else {
                Thread.detachNewThread(work)
            }
        }
        metrics.recordEvaluation(by: "api")
        // A definition changed meanwhile, or a later evaluation was installed first: keep that one.
        if generation == self.generation, (current?.computedAt ?? .min) <= built.current.computedAt {
            current = built.current
        }
        return built.current
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
