import StrataCore
import StrataLanguage

extension Diagnostic {
    /// The diagnostic as JSON: file, line, column, severity, code and message.
    var json: JSONValue {
        .object([
            "file": file.map(JSONValue.string) ?? .null, "line": .number(Double(location.line)),
            "column": .number(Double(location.column)), "severity": .string(severity.rawValue),
            "code": .string(code.name), "message": .string(message),
        ])
    }
}
