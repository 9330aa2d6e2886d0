import Foundation
import Hummingbird
import Logging
import StrataCore
import StrataDashboard
import StrataLanguage
import StrataRuntime
import StrataStore

/// The dashboard: pages for people in a browser, signed in with an admin or viewer key and kept signed
/// in by a session cookie. The pages read what the management API reads, through the same accessors
/// (``Memberships``, ``Workbench``, the reports of the evaluation session); the page models, templates,
/// charts and cookie signing live in StrataDashboard.
struct Dashboard: Sendable {
    let workbench: Workbench
    let memberships: Memberships
    let live: LiveService
    let activations: ActivationContext
    let keys: KeyRing
    let configuration: Server.Configuration
    /// How the reports reach ClickHouse with `store: clickhouse` (``ReportAPI``).
    let clickHouse: ClickHouseAccess?
    let parts: Parts
    let keptTrends = Kept<Trends>()
    let keptReports = Kept<ReportTable>()
    let simulations = SimulationGate()

    /// The session cookie's name.
    static let sessionCookie = "strata_session"
    /// The cookie of the sign-in form's CSRF nonce, sent back only to `/login`.
    static let signInCookie = "strata_sign_in"
    /// The largest form body read.
    static let maxFormBytes = 4096

    /// The pages and assets, as `METHOD /path` (not API routes: the OpenAPI document leaves them out).
    static let routes = [
        "GET /", "GET /login", "POST /login", "POST /logout", "GET /segments/{name}",
        "GET /segments/{name}/members.csv", "GET /profiles/{id}", "GET /activations", "GET /activations/{name}",
        "GET /reports/{kind}",
        "GET /dashboard/changes",
        "GET /dashboard/style.css",
        "GET /dashboard/icon.svg",
        "GET /dashboard/live.js",
    ]

    /// Who is signed in: the verified session and its key, as the pages' header shows them.
    struct Visit: Sendable {
        var session: SessionSigner.Session
        var visitor: Renderer.Visitor
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/dashboard/style.css") { _, _ in
            Self.asset(Assets.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/dashboard/icon.svg") { _, _ in Self.asset(Assets.icon, type: "image/svg+xml") }
        router.get("/dashboard/live.js") { _, _ in
            Self.asset(Assets.liveScript, type: "text/javascript; charset=utf-8")
        }
        router.get("/login") { request, _ in
            if try await visit(request) != nil { return Self.redirect(to: "/") }
            return try await signInForm(request: request, message: nil, status: .ok)
        }
        router.post("/login") { request, context in try await signIn(request, logger: context.logger) }
        router.post("/logout") { request, _ in try await signOut(request) }
        router.get("/") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                let query = request.uri.queryParameters
                let model = try await overview(
                    sort: query["sort"].map(String.init), order: query["order"].map(String.init))
                return renderer.overview(model, visitor: visitor)
            }
        }
        router.get("/segments/:name") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                let name = try ManagementAPI.segmentName(context)
                let query = request.uri.queryParameters
                let model = try await segmentPage(
                    name, query: query["q"].map(String.init), page: query["page"].map(String.init))
                return renderer.segment(model, visitor: visitor)
            }
        }
        router.get("/profiles/:id") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                renderer.profile(try await profilePage(try ManagementAPI.profileId(context)), visitor: visitor)
            }
        }
        router.get("/activations") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                let (summaries, since) = try await activationSummaries(now: configuration.clock())
                return renderer.activations(
                    ActivationsPage(summaries: summaries, since: Instant.format(since)), visitor: visitor)
            }
        }
        router.get("/activations/:name") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                let name = try context.parameters.require("name")
                return renderer.activation(
                    try await activationPage(name, Self.query(request)), visitor: visitor)
            }
        }
        router.get("/reports/:kind") { request, context in
            try await page(request, logger: context.logger) { renderer, visitor in
                let text = try context.parameters.require("kind")
                guard let kind = ReportPage.Kind(rawValue: text) else {
                    throw APIError.notFound(
                        "no report page `\(text.prefix(40))`: expected one of "
                            + ReportPage.Kind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return renderer.report(try await reportPage(kind, Self.query(request)), visitor: visitor)
            }
        }
        router.get("/segments/:name/members.csv") { request, context in
            guard try await visit(request) != nil else { return Self.redirect(to: "/login") }
            do {
                let name = try ManagementAPI.segmentName(context)
                let members = try await memberships.members(of: name)
                var response = Response.text(
                    try await workbench.membersCSV(of: name, members: members.value),
                    contentType: "text/csv; charset=utf-8"
                ).current(to: members.currentTo)
                response.headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
                return response
            } catch {
                return try await failure(error, request: request, visitor: nil, logger: context.logger)
            }
        }
        router.get("/dashboard/changes") { request, _ in
            guard try await visit(request) != nil else { return Self.redirect(to: "/login") }
            let query = request.uri.queryParameters
            let after = try ManagementAPI.cursor(
                query["after"].map(String.init) ?? ChangeStream.lastEventID(in: request.headers))
            return ChangeStream(feed: live.feed, segment: query["segment"].map(String.init), after: after).response()
        }
    }

    /// The query of a page's form sent with GET, read as the form encodes it (`+` is a space, as in
    /// `steps="Signed+Up"`), every value of a repeated field in order.
    static func query(_ request: Request) -> [String: [String]] {
        Form.values(Array((request.uri.query ?? "").utf8))
    }

    // MARK: Sessions

    /// The visit of a request with a valid session cookie whose key is still an active admin or viewer
    /// key; nil otherwise.
    func visit(_ request: Request) async throws -> Visit? {
        guard let cookie = request.cookies[Self.sessionCookie]?.value else { return nil }
        let signer = try await parts.get().signer
        guard let session = signer.verify(cookie, now: configuration.clock()),
            let key = try await keys.active(id: session.keyID), key.kind != .write
        else { return nil }
        return Visit(
            session: session,
            visitor: Renderer.Visitor(
                kind: key.kind.rawValue, prefix: key.prefix, csrf: signer.csrfToken(for: session)))
    }

    /// The sign-in form, with a fresh CSRF nonce in its cookie unless the browser holds one.
    private func signInForm(request: Request, message: String?, status: HTTPResponse.Status) async throws -> Response {
        let (signer, renderer) = try await parts.get()
        let nonce = request.cookies[Self.signInCookie]?.value ?? SessionSigner.nonce()
        var response = Self.html(
            renderer.signIn(message: message, csrf: signer.signInToken(nonce: nonce)), status: status)
        response.setCookie(await cookie(Self.signInCookie, nonce, maxAge: 3600, path: "/login"))
        return response
    }

    private func signIn(_ request: Request, logger: Logger) async throws -> Response {
        let form = Form.fields(try await BodyReader.read(request, limit: Self.maxFormBytes))
        let nonce = request.cookies[Self.signInCookie]?.value ?? ""
        let signer = try await parts.get().signer
        guard signer.checkSignIn(form["csrf"] ?? "", nonce: nonce) else {
            return try await signInForm(
                request: request, message: "The form had expired or came from another site: sign in again.",
                status: .forbidden)
        }
        let secret = form["key"] ?? ""
        var key = try await keys.check(secret, kind: .admin)
        if key == nil { key = try await keys.check(secret, kind: .viewer) }
        guard let key else {
            logger.info("dashboard sign-in refused: not an active admin or viewer key")
            return try await signInForm(
                request: request, message: "That is not an active admin or viewer key.", status: .unauthorized)
        }
        logger.info("dashboard sign-in", metadata: ["key_id": "\(key.id)", "kind": "\(key.kind.rawValue)"])
        var response = Self.redirect(to: "/")
        let value = signer.issue(keyID: key.id, now: configuration.clock())
        response.setCookie(
            await cookie(Self.sessionCookie, value, maxAge: Int(SessionSigner.lifetime / 1000), path: "/"))
        response.setCookie(await cookie(Self.signInCookie, "", maxAge: 0, path: "/login"))
        return response
    }

    private func signOut(_ request: Request) async throws -> Response {
        let form = Form.fields(try await BodyReader.read(request, limit: Self.maxFormBytes))
        guard let visit = try await visit(request) else { return Self.redirect(to: "/login") }
        let (signer, renderer) = try await parts.get()
        guard signer.checkCSRF(form["csrf"] ?? "", for: visit.session) else {
            return Self.html(
                renderer.failure(
                    status: 403, reason: "Forbidden",
                    message: "The sign-out form had expired or came from another site.", visitor: visit.visitor),
                status: .forbidden)
        }
        var response = Self.redirect(to: "/login")
        response.setCookie(await cookie(Self.sessionCookie, "", maxAge: 0, path: "/"))
        return response
    }

    /// A cookie only HTTP requests of this site carry, Secure when the workspace's `public_url` is https.
    private func cookie(_ name: String, _ value: String, maxAge: Int, path: String) async -> Cookie {
        let publicURL = try? await workbench.session().definitions.messaging.publicURL
        let secure = publicURL?.lowercased().hasPrefix("https://") ?? false
        return Cookie(
            name: name, value: value, maxAge: maxAge, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    // MARK: Pages

    /// A page for a signed-in visitor (others go to the sign-in form); a failure becomes a page that
    /// says what went wrong, with its status.
    private func page(
        _ request: Request, logger: Logger, _ render: (Renderer, Renderer.Visitor) async throws -> String
    ) async throws -> Response {
        guard let visit = try await visit(request) else { return Self.redirect(to: "/login") }
        do {
            return Self.html(try await render(try await parts.get().renderer, visit.visitor))
        } catch {
            return try await failure(error, request: request, visitor: visit.visitor, logger: logger)
        }
    }

    private func failure(
        _ error: any Error, request: Request, visitor: Renderer.Visitor?, logger: Logger
    ) async throws -> Response {
        let refusal: APIError
        switch error {
        case let error as Overview.BadParameter: refusal = .badRequest(error.message)
        default: refusal = ErrorMiddleware<BasicRequestContext>.apiError(for: error, request: request, logger: logger)
        }
        let html = try await parts.get().renderer.failure(
            status: Int(refusal.status.code), reason: refusal.status.reasonPhrase, message: refusal.message,
            visitor: visitor)
        return Self.html(html, status: refusal.status)
    }

    // MARK: Responses

    /// What every page sends besides itself: no caching, no framing, scripts and styles only from here.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response.text(text, contentType: "text/html; charset=utf-8", status: status)
        response.headers.append(contentsOf: securityHeaders)
        return response
    }

    static func redirect(to location: String) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        response.headers.append(contentsOf: securityHeaders)
        return response
    }

    private static func asset(_ text: String, type: String) -> Response {
        var response = Response.text(text, contentType: type)
        response.headers[.cacheControl] = "max-age=3600"
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
