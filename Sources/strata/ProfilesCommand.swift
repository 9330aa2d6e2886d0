import ArgumentParser
import Foundation
import StrataClickHouse
import StrataCore
import StrataRuntime
import StrataStore

/// `strata profiles`: acting on profiles as a whole.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Act on profiles: erase one when its person asks to be forgotten.",
        subcommands: [Delete.self])

    /// `strata profiles delete ID`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a profile: its messages, links, changes, memberships and deliveries, for every linked id.",
            discussion: """
                Later messages naming any of its ids are refused. Only a digest of each id is kept for \
                that. While `strata serve` runs, erase through its API (DELETE /api/v1/profiles/ID) \
                instead, so that the running server forgets the profile too. With `store: clickhouse`, \
                the copies shipped to ClickHouse are deleted too. See docs/privacy.md.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @ArgumentParser.Argument(help: "A userId or anonymousId of the profile.")
        var id: String

        @Option(help: "Output format: text or json.")
        var format: ProfileCommand.Format = .text

        func run() async throws {
            let workspace = try workspaceOptions.load()
            let store = try openRuntime(workspace).store
            guard var erasure = try await store.erase(profile: id, at: currentInstant()) else {
                throw CommandError("no profile with id `\(id)` (neither a userId nor an anonymousId in the store)")
            }
            if let section = workspace.config.clickhouse {
                do {
                    erasure.shippedCopies = try await Eraser(settings: Settings(section)).apply(store)
                } catch {
                    throw CommandError(
                        "erased profile \(erasure.profile) from the log, but its copies in ClickHouse are not deleted "
                            + "yet: \(error). The next `strata run` or `strata members` deletes them.")
                }
            }
            switch format {
            case .json:
                print(JSONWriter.string(erasure.json))
            case .text:
                print("erased profile \(erasure.profile) (ids: \(erasure.ids.joined(separator: ", ")))")
                for (kind, count) in erasure.removed {
                    print("  \(kind.padding(toLength: 14, withPad: " ", startingAt: 0))\(count)")
                }
            }
        }
    }
}
