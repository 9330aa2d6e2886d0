import Foundation

// This folder is a workspace of its own (`strata check -w examples`) and the `StrataExamples`
// target: its definition files are the target's resources, so they ship with the `strata` binary.
// Of its `strata.yaml`, only the lines after the marker line are used (the messaging rules): a
// workspace's other settings are the ones `strata init` writes.

/// An example workspace that ships with Strata: definition files to start from, as
/// `strata demo` and `strata init --example NAME` write them.
public struct Example: Sendable {
    /// The example's name, as `strata init --example NAME` takes it.
    public let name: String
    /// The text of every definition file, by workspace-relative path (`segments/NAME.yaml`,
    /// `scores/NAME.yaml`, `stages/NAME.yaml`, `activations/NAME.yaml`, `destinations/NAME.yaml`,
    /// `templates/NAME.mustache`, `traits.yaml`, `rfm.yaml`).
    public let files: [String: String]
    /// The settings a workspace made from the example adds to its `strata.yaml` (the messaging rules).
    public let settings: String

    /// The line of the example's `strata.yaml` after which its settings for other workspaces begin.
    static let settingsMarker = "# The lines below are added to the strata.yaml"

    /// The names of the examples, sorted.
    public static let names = ["saas"]

    /// The example of a name, read from the resources; an unknown name is an error listing the known ones.
    public static func named(_ name: String) throws(ExampleError) -> Example {
        guard names.contains(name) else {
            throw ExampleError("unknown example `\(name)`; the examples are: \(names.joined(separator: ", "))")
        }
        guard let root = resources else {
            throw ExampleError(
                "cannot find the files of the \(name) example: they are installed beside the strata binary, in "
                    + "\(resourceFolders[0])/ (copy that folder with the binary)")
        }
        var files = try read(root)
        let settings = files.removeValue(forKey: "strata.yaml").map(Self.settings(in:)) ?? ""
        return Example(name: name, files: files, settings: settings)
    }

    /// The lines after the marker line of the example's `strata.yaml`.
    static func settings(in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let marker = lines.firstIndex(where: { $0.hasPrefix(settingsMarker) }) else { return "" }
        return lines[(marker + 1)...].joined(separator: "\n")
    }

    /// The names SwiftPM gives this target's resources beside the executable: a folder on Linux, a
    /// bundle on Apple's systems.
    static let resourceFolders = ["strata_StrataExamples.resources", "strata_StrataExamples.bundle"]

    /// Where the resources are: beside the running executable (or the program it is linked from), nil
    /// when they are not installed. Looked up here rather than through `Bundle.module`, which stops the
    /// program when they are missing.
    static var resources: URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        for base in [Bundle.main.bundleURL, executable.deletingLastPathComponent()] {
            for name in resourceFolders {
                let url = base.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: url.path) else { continue }
                return name.hasSuffix(".bundle") ? Bundle(url: url)?.resourceURL : url
            }
        }
        return nil
    }

    /// What the example holds, in words: "43 segments, 4 scores, 3 stage models, 6 activations, 2
    /// destinations, 7 templates, rfm.yaml, traits.yaml".
    public var summary: String {
        let counted = [
            ("segments", "segments"), ("scores", "scores"), ("stages", "stage models"), ("activations", "activations"),
            ("destinations", "destinations"), ("templates", "templates"),
        ].map {
            folder, noun in
            "\(files.keys.filter { $0.hasPrefix("\(folder)/") }.count) \(noun)"
        }
        return (counted + files.keys.filter { !$0.contains("/") }.sorted()).joined(separator: ", ")
    }

    /// Refuses a folder that already holds any of the example's files, naming them.
    public func checkAbsent(in root: URL) throws(ExampleError) {
        let existing = files.keys.sorted().filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        guard existing.isEmpty else {
            throw ExampleError(
                "\(root.path) already holds \(existing.joined(separator: ", ")) of the \(name) example; nothing was written"
            )
        }
    }

    /// Writes every file of the example under a folder, creating the folders it needs, and adds the
    /// example's settings to the folder's `strata.yaml` unless it has `messaging` already. Writes
    /// nothing when the folder already holds any of the files: an existing file is never overwritten.
    public func write(into root: URL) throws(ExampleError) {
        try checkAbsent(in: root)
        let settingsFile = root.appendingPathComponent("strata.yaml")
        if !settings.isEmpty, let current = try? String(contentsOf: settingsFile, encoding: .utf8),
            !current.split(separator: "\n").contains(where: { $0.hasPrefix("messaging:") })
        {
            do {
                try (current + (current.hasSuffix("\n") ? "" : "\n") + settings).write(
                    to: settingsFile, atomically: true, encoding: .utf8)
            } catch {
                throw ExampleError("cannot write \(settingsFile.path): \(error.localizedDescription)")
            }
        }
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let url = root.appendingPathComponent(path)
            do {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                throw ExampleError("cannot write \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// The `.yaml` files at a folder's top and the `.yaml` and `.mustache` files of its subfolders (one
    /// level down), by relative path.
    private static func read(_ root: URL) throws(ExampleError) -> [String: String] {
        let manager = FileManager.default
        func names(_ relative: String) -> [String] {
            (try? manager.contentsOfDirectory(atPath: root.appendingPathComponent(relative).path)) ?? []
        }
        var paths: [String] = []
        for name in names("") {
            paths +=
                name.hasSuffix(".yaml")
                ? [name]
                : names(name).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".mustache") }.map { "\(name)/\($0)" }
        }
        var files: [String: String] = [:]
        for path in paths {
            let url = root.appendingPathComponent(path)
            guard let data = manager.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                throw ExampleError("cannot read \(url.path) as UTF-8 text")
            }
            files[path] = text
        }
        guard !files.isEmpty else { throw ExampleError("no example files found in \(root.path)") }
        return files
    }
}

/// An example that cannot be found, read or written; the message says which and where.
public struct ExampleError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and where.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
