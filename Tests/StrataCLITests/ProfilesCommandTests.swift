import Foundation
import Testing

/// `strata profiles delete`, run as the built binary on the CLI tests' workspace.
struct ProfilesCommandTests {
    @Test func deletePrintsWhatWasRemoved() async throws {
        let fixture = try await CLITests.Fixture()
        let run = try fixture.strata("profiles", "delete", "bob")
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                erased profile bob (ids: bob)
                  messages      2
                  links         0
                  changes       1
                  memberships   1
                  deliveries    0
                  unsubscribes  0
                  quarantined   0

                """)
        let json = try fixture.strata("profiles", "delete", "ann", "--format", "json")
        #expect(json.status == 0)
        #expect(
            json.stdout
                == #"{"ids":["ann"],"profile":"ann","removed":{"changes":2,"deliveries":0,"links":0,"memberships":0,"messages":1,"quarantined":0,"unsubscribes":0}}"#
                + "\n")
        // Gone: asked again, it is unknown.
        let again = try fixture.strata("profiles", "delete", "bob")
        #expect(again.status != 0)
        #expect(again.stderr.contains("no profile with id `bob`"))
        let profile = try fixture.strata("profile", "ann")
        #expect(profile.status != 0)
        // An import refuses the messages naming them, and stores the others.
        let file = fixture.root.appendingPathComponent("later.jsonl")
        try """
        {"type": "track", "userId": "bob", "event": "Page Viewed", "messageId": "l1"}
        {"type": "track", "userId": "dan", "event": "Page Viewed", "messageId": "l2"}
        {"type": "identify", "userId": "eve", "anonymousId": "ann", "messageId": "l3"}

        """.write(to: file, atomically: true, encoding: .utf8)
        let imported = try fixture.strata("import", file.path)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("\n  imported     1\n"))
        #expect(imported.stdout.contains("\n  refused      2 (they name erased profiles; not kept)"))
    }
}
