import Foundation

/// The definition files of a workspace, as text keyed by workspace-relative path
/// (`segments/NAME.yaml`, `scores/NAME.yaml`, `stages/NAME.yaml`, `traits.yaml`, `rfm.yaml`).
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
    /// The single-file definitions at the workspace root.
    public static let rootFiles = ["traits.yaml", "rfm.yaml"]

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
        for folder in folders {
            let url = root.appendingPathComponent(folder)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let relative = "\(folder)/\(name)"
                if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    load(relative)
                } else {
                    diagnostics.append(
                        Diagnostic(
                            .warning, .invalidName, "ignored: definitions in \(folder)/ are NAME.yaml files",
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
