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

    @Test func serverLimitsAreReadWithDefaultsForTheRest() throws {
        let config = try Workspace.parse("name: x\nserver:\n  max_lag: 500\n  read_wait: 0.25\n", file: "strata.yaml")
        var expected = Workspace.Config.ServerLimits()
        expected.maxLag = 500
        expected.readWait = .milliseconds(250)
        #expect(config.server == expected)
        #expect(expected.idleTimeout == .seconds(60) && expected.maxConnections == 10_000)
    }

    @Test(arguments: [
        (
            "server:\n  idle_timout: 5\n",
            "strata.yaml:2:3: unknown server setting `idle_timout`, expected one of max_connections, idle_timeout, "
                + "header_timeout, body_timeout, max_lag, read_wait, shutdown_timeout, max_messages_per_request, "
                + "max_quarantine_per_request, max_quarantine_per_key_per_minute; did you mean `idle_timeout`?"
        ),
        ("server:\n  max_lag: -1\n", "strata.yaml:2:12: `max_lag` must be a whole number, 0 or more, found `-1`"),
        (
            "server:\n  read_wait: soon\n",
            "strata.yaml:2:14: `read_wait` must be a number of seconds, 0 or more, found `soon`"
        ),
    ])
    func serverLimitErrorsNameTheLine(text: String, message: String) {
        do {
            _ = try Workspace.parse(text, file: "strata.yaml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func settingsErrorsNameTheLine() {
        #expect(throws: WorkspaceError.self) { try Workspace.parse("name: x\ntimezon: UTC\n", file: "strata.yaml") }
        do {
            _ = try Workspace.parse("name: x\ntimezon: UTC\n", file: "strata.yaml")
        } catch {
            #expect(
                error.message
                    == "strata.yaml:2:1: unknown key `timezon`, expected one of name, timezone, store, keys, public_url, messaging, cors_origins, server, clickhouse; did you mean `timezone`?"
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
