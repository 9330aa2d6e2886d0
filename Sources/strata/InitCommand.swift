import ArgumentParser
import Foundation
import StrataExamples
import StrataStore

/// `strata init DIR`: creates a workspace, optionally holding an example's definitions.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a workspace: strata.yaml, segments/, scores/, stages/ and data/.")

    @Argument(help: "The folder to create the workspace in.")
    var directory: String

    @Option(help: "The workspace name (default: the folder's name).")
    var name: String?

    @Option(
        help: ArgumentHelp(
            "Start from an example's definitions: \(Example.names.joined(separator: ", ")).", valueName: "name"))
    var example: String?

    func run() async throws {
        let url = URL(fileURLWithPath: directory)
        let example = try self.example.map { name in
            try exampleStep { () throws(ExampleError) in try Example.named(name) }
        }
        // An existing workspace is refused as without --example; a new one is refused when the
        // folder holds any of the example's files, before anything is written.
        if let example, !FileManager.default.fileExists(atPath: url.appendingPathComponent(Workspace.fileName).path) {
            try exampleStep { () throws(ExampleError) in try example.checkAbsent(in: url) }
        }
        let workspace = try loadWorkspace { () throws(WorkspaceError) in try Workspace.create(at: url, name: name) }
        print("Created workspace \"\(workspace.config.name)\" in \(directory)")
        print("  strata.yaml, segments/, scores/, stages/, data/ (ignored by git)")
        if let example {
            try exampleStep { () throws(ExampleError) in try example.write(into: workspace.root) }
            print("  with the \(example.name) example's definitions: \(example.summary)")
        }
        print("Next: strata import FILE -w \(directory)")
    }
}
