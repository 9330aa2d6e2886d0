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

                """)
        let json = try fixture.strata("profiles", "delete", "ann", "--format", "json")
        #expect(json.status == 0)
        #expect(
            json.stdout
                == #"{"ids":["ann"],"profile":"ann","removed":{"changes":2,"deliveries":0,"links":0,"memberships":0,"messages":1,"unsubscribes":0}}"#
                + "\n")
        // Gone: asked again, it is unknown.
        let again = try fixture.strata("profiles", "delete", "bob")
        #expect(again.status != 0)
        #expect(again.stderr.contains("no profile with id `bob`"))
        let profile = try fixture.strata("profile", "ann")
        #expect(profile.status != 0)
    }
}
