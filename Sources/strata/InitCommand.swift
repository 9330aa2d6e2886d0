import ArgumentParser
import Foundation
import StrataStore

/// `strata init DIR`: creates a workspace.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a workspace: strata.yaml, segments/, scores/, stages/ and data/.")

    @Argument(help: "The folder to create the workspace in.")
    var directory: String

    @Option(help: "The workspace name (default: the folder's name).")
    var name: String?

    func run() async throws {
        let url = URL(fileURLWithPath: directory)
        do {
            let workspace = try Workspace.create(at: url, name: name)
            print("Created workspace \"\(workspace.config.name)\" in \(directory)")
            print("  strata.yaml, segments/, scores/, stages/, data/ (ignored by git)")
            print("Next: strata import FILE -w \(directory)")
        } catch {
            throw CommandError(error.message)
        }
    }
}
