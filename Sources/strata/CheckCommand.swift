import ArgumentParser
import Foundation
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata check [-w DIR]`: loads and checks every definition of the workspace and reports problems
/// like a compiler: `path:line:col: error|warning: message`, then a summary line. Exits 1 on any error.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every segment, score, stage model, computed trait and RFM setting of the workspace.",
        discussion: """
            Prints each problem as path:line:col: error|warning: message (paths relative to the workspace), \
            then a summary. Event and trait names are checked against those in the store, when it holds any: \
            an unknown one is a warning, and so is a sum, avg, min or max over a property that the stored \
            events hold as text (read from the first 200,000 stored messages). Exits with status 1 when \
            there is any error.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() async throws {
        let workspace = try workspaceOptions.load()
        // A workspace with no store yet is checked without one, rather than creating it.
        let store = workspace.hasStore ? try openRuntime(workspace).store : nil
        let checked: CheckedDefinitions
        do throws(SessionError) {
            checked = try await CheckedDefinitions.check(workspace, store: store)
        } catch {
            throw reported(error)
        }
        var diagnostics = checked.diagnostics
        if let store {
            do throws(SessionError) {
                diagnostics = Diagnostic.sortedForDisplay(
                    diagnostics
                        + (try TextNumbers.warnings(checked.definitions, sources: checked.sources, store: store)))
            } catch {
                throw reported(error)
            }
        }
        for diagnostic in diagnostics {
            print(diagnostic.description)
        }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        print(CheckCommand.summary(files: checked.sources.count, errors: errors, warnings: warnings))
        if errors > 0 {
            throw ExitCode(1)
        }
    }

    /// `checked 46 definition files: no errors, 1 warning`.
    static func summary(files: Int, errors: Int, warnings: Int) -> String {
        func count(_ n: Int, _ noun: String) -> String {
            n == 0 ? "no \(noun)s" : n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
        }
        return "checked \(count(files, "definition file")): \(count(errors, "error")), \(count(warnings, "warning"))"
    }
}
