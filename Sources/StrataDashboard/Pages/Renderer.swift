import Mustache

/// Renders the dashboard's pages from their view models with the templates compiled into the binary.
public struct Renderer: Sendable {
    /// Who is signed in, as the header shows it, with the CSRF token of the sign-out form.
    public struct Visitor: Sendable {
        /// The key's kind: admin or viewer.
        public var kind: String
        /// The first characters of the key, to recognise it.
        public var prefix: String
        /// The session's CSRF token.
        public var csrf: String

        /// A visitor from its parts.
        public init(kind: String, prefix: String, csrf: String) {
            self.kind = kind
            self.prefix = prefix
            self.csrf = csrf
        }
    }

    private struct Layout {
        var title: String
        var visitor: Visitor?
        var live: Bool
        var body: String
    }

    private struct SignIn {
        var message: String?
        var csrf: String
    }

    private struct Failure {
        var status: Int
        var reason: String
        var message: String
    }

    private let library: MustacheLibrary

    /// A renderer over the templates; fails only if a template does not parse.
    public init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// The sign-in form, with a message after a refused attempt.
    public func signIn(message: String?, csrf: String) -> String {
        page("Sign in", "sign-in", SignIn(message: message, csrf: csrf), visitor: nil)
    }

    /// A page saying why a request failed.
    public func failure(status: Int, reason: String, message: String, visitor: Visitor?) -> String {
        page(
            "\(status) \(reason)", "error", Failure(status: status, reason: reason, message: message),
            visitor: visitor)
    }

    /// The overview.
    public func overview(_ model: Overview, visitor: Visitor) -> String {
        page("Segments", "overview", model, visitor: visitor)
    }

    /// A segment's page, which appends the segment's changes live.
    public func segment(_ model: SegmentPage, visitor: Visitor) -> String {
        page("Segment \(model.name)", "segment", model, visitor: visitor, live: true)
    }

    /// A profile's page.
    public func profile(_ model: ProfilePage, visitor: Visitor) -> String {
        page("Profile \(model.id)", "profile", model, visitor: visitor)
    }

    /// The activations.
    public func activations(_ model: ActivationsPage, visitor: Visitor) -> String {
        page("Activations", "activations", model, visitor: visitor)
    }

    /// An activation's page.
    public func activation(_ model: ActivationPage, visitor: Visitor) -> String {
        page("Activation \(model.name)", "activation", model, visitor: visitor)
    }

    /// A report's page.
    public func report(_ model: ReportPage, visitor: Visitor) -> String {
        page(model.title, "report", model, visitor: visitor)
    }

    private func page(
        _ title: String, _ template: String, _ model: Any, visitor: Visitor?, live: Bool = false
    )
        -> String
    {
        let body = library.render(model, withTemplate: template) ?? ""
        return library.render(
            Layout(title: title, visitor: visitor, live: live, body: body), withTemplate: "layout") ?? body
    }
}
