/// A message template (`templates/NAME.mustache`, optionally with `templates/NAME.html.mustache`).
public struct Template: Sendable {
    /// The template's name.
    public var name: String
    /// The workspace-relative file of the text body.
    public var file: String
    /// The subject from the front matter (required for email).
    public var subject: String?
    /// The text body (Mustache).
    public var text: String
    /// The HTML body (Mustache), when the `.html.mustache` file exists.
    public var html: String?
}
