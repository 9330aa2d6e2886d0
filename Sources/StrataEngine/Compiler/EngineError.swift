import StrataLanguage

/// A definition the engine cannot evaluate, reported like a compiler error: file:line:col and what
/// is wrong.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The workspace-relative file of the definition, when known.
    public var file: String?
    /// Where in the file.
    public var location: SourceLocation?

    /// An error from its parts.
    public init(_ message: String, file: String? = nil, location: SourceLocation? = nil) {
        self.message = message
        self.file = file
        self.location = location
    }

    /// `file:line:col: error: message`.
    public var description: String {
        var place = file ?? ""
        if let location { place += place.isEmpty ? location.description : ":\(location)" }
        return place.isEmpty ? "error: \(message)" : "\(place): error: \(message)"
    }
}
