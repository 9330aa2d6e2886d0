import ArgumentParser
import Foundation
import StrataLanguage
import StrataStore

/// `strata check [-w DIR]`: loads and checks every definition of the workspace and reports problems
/// like a compiler: `path:line:col: error|warning: message`, then a summary line. Exits 1 on any error.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every segment, score, stage model, computed trait and RFM setting of the workspace.",
        discussion: """
            Prints each problem as path:line:col: error|warning: message (paths relative to the workspace), \
            then a summary. Event names are checked against those in the store, when it holds any: an \
            unknown one is a warning. Exits with status 1 when there is any error.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() async throws {
        let workspace = try workspaceOptions.load()
        let files = DefinitionFiles.read(from: workspace.root)
        let definitions = Definitions.load(files, knownEvents: try await knownEvents(workspace))
        for diagnostic in definitions.diagnostics {
            print(diagnostic.description)
        }
        let errors = definitions.diagnostics.filter { $0.severity == .error }.count
        let warnings = definitions.diagnostics.count - errors
        print(CheckCommand.summary(files: files.files.count, errors: errors, warnings: warnings))
        if errors > 0 {
            throw ExitCode(1)
        }
    }

    /// The event names in the store, or nil when it holds no events (then names are not checked).
    private func knownEvents(_ workspace: Workspace) async throws -> Set<String>? {
        guard workspace.hasStore else { return nil }
        let names = try await openStore(workspace).statistics().eventNames
        return names.isEmpty ? nil : Set(names)
    }

    /// `checked 46 definition files: no errors, 1 warning`.
    static func summary(files: Int, errors: Int, warnings: Int) -> String {
        func count(_ n: Int, _ noun: String) -> String {
            n == 0 ? "no \(noun)s" : n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
        }
        return "checked \(count(files, "definition file")): \(count(errors, "error")), \(count(warnings, "warning"))"
    }
}
