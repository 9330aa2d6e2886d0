import Foundation
import Yams

/// Values of activation, destination and messaging files: durations, percentages, whole numbers and
/// `${NAME}` references to the environment.
extension DefinitionLoader {
    /// A duration written as a number and a unit (``DurationText``), in ms.
    static func duration(_ text: String) -> Int64? { DurationText.milliseconds(text) }

    /// A duration field, in ms; reported when it is not one.
    mutating func duration(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Int64? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard let milliseconds = Self.duration(value) else {
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `\(name)` to be a duration such as 30s, 5m, 1h or 7d, found `\(value)`",
                    at: field.value))
            return nil
        }
        return milliseconds
    }

    /// A percentage field (`10%`, `0.5%`, `100%`) as basis points (0 to 10,000); reported otherwise.
    mutating func percentage(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Int? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard value.hasSuffix("%"), let number = Double(value.dropLast()), number >= 0, number <= 100,
            (number * 100).rounded() == number * 100
        else {
            diagnostics.append(
                document.error(
                    .invalidValue,
                    "expected `\(name)` to be a percentage from 0% to 100% in steps of 0.01%, such as 10% or 2.5%, found `\(value)`",
                    at: field.value))
            return nil
        }
        return Int((number * 100).rounded())
    }

    /// A whole-number field within a range; reported otherwise.
    mutating func wholeNumber(
        _ field: (key: Node, value: Node)?, _ name: String, in range: ClosedRange<Int>, in document: YAMLDocument
    ) -> Int? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            diagnostics.append(
                document.error(
                    .invalidValue,
                    "expected `\(name)` to be a whole number from \(range.lowerBound) to \(range.upperBound), found `\(value)`",
                    at: field.value))
            return nil
        }
        return number
    }

    /// A boolean field (`true` or `false`); reported otherwise.
    mutating func boolean(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Bool? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default:
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `\(name)` to be true or false, found `\(value)`", at: field.value))
            return nil
        }
    }

    /// A text field with each `${NAME}` replaced by the environment variable NAME, as a secret; a
    /// missing variable is an error naming it (and never the values of others).
    mutating func secret(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Secret? {
        guard let field, let value = text(field, name, in: document) else { return nil }
        var result = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "`${` in `\(name)` is not closed: expected `${NAME}`", at: field.value))
                return nil
            }
            let variable = String(rest[start.upperBound..<end])
            guard Self.isVariableName(variable) else {
                diagnostics.append(
                    document.error(
                        .invalidValue,
                        "expected an environment variable name (letters, digits and `_`) in `${\(variable)}`",
                        at: field.value))
                return nil
            }
            guard let found = environment[variable] else {
                diagnostics.append(
                    document.error(
                        .missingSecret,
                        "the environment variable `\(variable)` that `\(name)` reads is not set in the environment of this process",
                        at: field.value))
                return nil
            }
            result += found
            rest = rest[rest.index(after: end)...]
        }
        result += rest
        return Secret(result)
    }

    /// Whether a name can be an environment variable's: letters, digits and `_`, not starting with a digit.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    /// A URL field (after `${NAME}` substitution): `http://` or `https://` and a host; reported otherwise
    /// without showing the value, which may hold a secret.
    mutating func url(_ field: (key: Node, value: Node)?, _ name: String, in document: YAMLDocument) -> Secret? {
        guard let value = secret(field, name, in: document), let field else { return nil }
        let text = value.reveal()
        let rest: Substring? =
            text.hasPrefix("https://") ? text.dropFirst(8) : text.hasPrefix("http://") ? text.dropFirst(7) : nil
        guard let rest, let host = rest.split(separator: "/", omittingEmptySubsequences: false).first, !host.isEmpty,
            !text.contains(" ")
        else {
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `\(name)` to be an http:// or https:// URL with a host", at: field.value))
            return nil
        }
        return value
    }
}
