import ArgumentParser
import StrataCore
import StrataRuntime
import StrataServer
import StrataStore

/// `strata keys`: API keys for the server.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke the API keys of `strata serve`.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// `strata keys create --kind write|admin|viewer`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it (alone, once: only its hash is stored).",
            discussion: """
                A write key sends events (as the HTTP Basic user, a Bearer token or PostHog's api_key); an \
                admin key uses the management API under /api/v1 (as a Bearer token) and signs in to the \
                dashboard; a viewer key only signs in to the dashboard, to read its pages.
                """)

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @Option(help: "What the key may do: write, admin or viewer.")
        var kind: APIKey.Kind

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            let created = try await KeyRing(store: store).create(kind: kind, at: currentInstant())
            print(created.secret)
        }
    }

    /// `strata keys list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: id, kind, prefix, created, revoked.")

        @OptionGroup var workspaceOptions: WorkspaceOptions

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            print(["id", "kind", "prefix", "created", "revoked"].joined(separator: "\t"))
            for key in try await store.keys() {
                let row = [
                    String(key.id), key.kind.rawValue, key.prefix + "…", Instant.format(key.createdAt),
                    key.revokedAt.map(Instant.format) ?? "-",
                ]
                print(row.joined(separator: "\t"))
            }
        }
    }

    /// `strata keys revoke ID`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by id; a running server refuses it within a second.")

        @OptionGroup var workspaceOptions: WorkspaceOptions

        @Argument(help: "The key's id, from `strata keys list`.")
        var id: Int64

        func run() async throws {
            let store = try openRuntime(try workspaceOptions.load()).store
            guard try await store.revokeKey(id: id, at: currentInstant()) else {
                throw CommandError("no key with id \(id) (see `strata keys list`)")
            }
            print("revoked key \(id)")
        }
    }
}

extension APIKey.Kind: ExpressibleByArgument {}
