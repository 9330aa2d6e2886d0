import Foundation
import StrataCore
import StrataStore
import Testing

struct WorkspaceTests {
    @Test func initWritesTheLayoutAndIsFoundFromASubfolder() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("shop")
        try Workspace.create(at: root)
        for item in ["strata.yaml", "segments", "scores", "stages", "data", ".gitignore"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(item).path))
        }
        #expect(try String(contentsOf: root.appendingPathComponent(".gitignore"), encoding: .utf8) == "data/\n")
        let found = try Workspace.find(explicit: nil, from: root.appendingPathComponent("segments"))
        #expect(found.root.path == root.standardizedFileURL.path)
        #expect(found.config == .init(name: "shop", timezone: .utc, store: .sqlite(path: "data/strata.db")))
        #expect(throws: WorkspaceError.self) { try Workspace.create(at: root) }
    }

    @Test func settingsErrorsNameTheLine() {
        #expect(throws: WorkspaceError.self) { try Workspace.parse("name: x\ntimezon: UTC\n", file: "strata.yaml") }
        do {
            _ = try Workspace.parse("name: x\ntimezon: UTC\n", file: "strata.yaml")
        } catch {
            #expect(
                error.message
                    == "strata.yaml:2:1: unknown key `timezon`, expected one of name, timezone, store, keys, public_url, messaging, cors_origins; did you mean `timezone`?"
            )
        }
        do {
            _ = try Workspace.parse("timezone: Mars/Base\n", file: "strata.yaml")
        } catch {
            #expect(error.message.hasPrefix("strata.yaml:1:11: `timezone` must be an IANA time zone"))
        }
    }

    @Test func readsTimezoneAndStorePath() throws {
        let config = try Workspace.parse(
            "name: eu\ntimezone: Europe/Berlin\nstore: {sqlite: db/events.db}\n", file: "s")
        #expect(config.timezone.identifier == "Europe/Berlin")
        #expect(config.store == .sqlite(path: "db/events.db"))
    }
}
