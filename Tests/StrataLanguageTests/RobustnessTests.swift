import StrataLanguage
import Testing

@Suite("Robustness")
struct RobustnessTests {
    /// Every prefix and every one-character deletion of a catalog expression.
    static func mutations(of text: String) -> [String] {
        let characters = Array(text)
        var result: [String] = []
        for index in 0..<characters.count {
            result.append(String(characters[..<index]))
            var deleted = characters
            deleted.remove(at: index)
            result.append(String(deleted))
        }
        return result
    }

    @Test("mangled catalog expressions give a plan or an error, never neither", arguments: catalog.map(\.name))
    func mangled(name: String) throws {
        let entry = try #require(catalog.first { $0.name == name })
        for text in RobustnessTests.mutations(of: entry.where) {
            let result = check(text, scope: entry.of)
            let hasError = result.diagnostics.contains { $0.severity == .error }
            #expect((result.expression != nil) != hasError, "\(text)")
            for diagnostic in result.diagnostics {
                #expect(diagnostic.location.line == 1)
                #expect(diagnostic.location.column >= 1 && diagnostic.location.column <= text.count + 1, "\(text)")
            }
        }
    }

    @Test func mangledYAMLNeverCrashes() {
        let yaml = """
            title: At-risk users
            of: users
            where: >
              count("Logged In", last 30d) <= 0.4 * count("Logged In", from 60d ago to 30d ago)
              or (did("Report Run", before 30d ago) and not did("Report Run", last 30d))
            min_size: 200
            reviewed: 2026-11-01
            """
        let characters = Array(yaml)
        var loaded = 0
        for index in stride(from: 0, to: characters.count, by: 3) {
            var deleted = characters
            deleted.remove(at: index)
            for text in [String(characters[..<index]), String(deleted)] {
                let definitions = Definitions.load(DefinitionFiles(["segments/x.yaml": text]))
                #expect(definitions.segments.count + (definitions.hasErrors ? 1 : 0) == 1, "\(text)")
                loaded += definitions.segments.count
            }
        }
        #expect(loaded > 0)
    }
}
