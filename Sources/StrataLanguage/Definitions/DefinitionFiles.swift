import Foundation

/// The definition files of a workspace, as text keyed by workspace-relative path
/// (`segments/NAME.yaml`, `scores/NAME.yaml`, `stages/NAME.yaml`, `activations/NAME.yaml`,
/// `destinations/NAME.yaml`, `templates/NAME.mustache`, `traits.yaml`, `rfm.yaml`, and `strata.yaml`
/// for its messaging rules).
///
/// Loading and checking work on this in-memory form, so they need no disk; `read(from:)` is the one
/// place that touches the file system.
public struct DefinitionFiles: Sendable {
    /// File text by workspace-relative path (forward slashes).
    public var files: [String: String]
    /// Problems met while reading (unreadable files, stray files in definition folders).
    public var diagnostics: [Diagnostic]

    /// Files from their texts.
    public init(_ files: [String: String], diagnostics: [Diagnostic] = []) {
        self.files = files
        self.diagnostics = diagnostics
    }

    /// The folders holding one definition per file.
    public static let folders = ["segments", "scores", "stages"]
    /// The folders holding one activation or destination per file.
    public static let activationFolders = ["activations", "destinations"]
    /// The folder of message templates (`NAME.mustache`, `NAME.html.mustache`).
    public static let templatesFolder = "templates"
    /// The single-file definitions at the workspace root (`strata.yaml` for `public_url` and `messaging`).
    public static let rootFiles = ["traits.yaml", "rfm.yaml", "strata.yaml"]

    /// Whether a file is read by evaluation (segments, scores, stages, computed traits, RFM), as
    /// opposed to activations, destinations, templates and the messaging rules, which never change a
    /// membership: the live engine is rebuilt only when one of these changes.
    public static func isEvaluated(_ path: String) -> Bool {
        if path == "traits.yaml" || path == "rfm.yaml" { return true }
        return folders.contains { path.hasPrefix("\($0)/") }
    }

    /// The texts of the files that evaluation reads (``isEvaluated(_:)``), by path.
    public static func evaluated(_ files: [String: String]) -> [String: String] {
        files.filter { isEvaluated($0.key) }
    }

    /// Reads every definition file under a workspace root.
    public static func read(from root: URL) -> DefinitionFiles {
        let manager = FileManager.default
        var files: [String: String] = [:]
        var diagnostics: [Diagnostic] = []
        func load(_ relative: String) {
            let url = root.appendingPathComponent(relative)
            guard let data = manager.contents(atPath: url.path) else {
                diagnostics.append(
                    Diagnostic(.error, .io, "cannot read the file", file: relative, at: SourceRange(at: .start)))
                return
            }
            guard let text = String(data: data, encoding: .utf8) else {
                diagnostics.append(
                    Diagnostic(.error, .io, "the file is not valid UTF-8", file: relative, at: SourceRange(at: .start)))
                return
            }
            files[relative] = text
        }
        for folder in folders + activationFolders + [templatesFolder] {
            let url = root.appendingPathComponent(folder)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let relative = "\(folder)/\(name)"
                let isTemplate = folder == templatesFolder
                if isTemplate ? name.hasSuffix(".mustache") : name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    load(relative)
                } else {
                    let expected =
                        isTemplate
                        ? "templates in \(folder)/ are NAME.mustache" : "definitions in \(folder)/ are NAME.yaml"
                    diagnostics.append(
                        Diagnostic(
                            .warning, .invalidName, "ignored: \(expected) files",
                            file: relative, at: SourceRange(at: .start)))
                }
            }
        }
        for name in rootFiles where manager.fileExists(atPath: root.appendingPathComponent(name).path) {
            load(name)
        }
        return DefinitionFiles(files, diagnostics: diagnostics)
    }
}
