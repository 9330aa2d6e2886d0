import ArgumentParser
import Foundation
import StrataCore
import StrataDemo

/// `strata generate`: deterministic, realistic demo data as Segment-spec JSONL.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate deterministic, realistic demo data as Segment-spec JSONL.",
        discussion: """
            One message per line (track, identify, page, group, alias), grouped by user, with every event and \
            property the catalog's segments use. Events fall in (end - days, end]; the same arguments always \
            give the same bytes.

            Example: strata generate --profile saas --users 20000 --days 90 --seed 7 --out demo.jsonl
            """)

    @Option(help: "The mix of users: saas, ecommerce or media.")
    var profile: String = "saas"

    @Option(help: "How many users.")
    var users: Int = 1000

    @Option(help: "How many days the data spans, ending at --end.")
    var days: Int = 90

    @Option(help: "The seed: the same arguments give the same bytes.")
    var seed: UInt64 = 1

    @Option(help: "The end of the period: an ISO 8601 instant or a date (default: 2026-07-01T00:00:00Z).")
    var end: String?

    @Option(help: "Write to this file instead of standard output.")
    var out: String?

    func validate() throws {
        _ = try makeConfiguration()
    }

    /// The generator's configuration from the arguments, or a `ValidationError` naming what is wrong.
    func makeConfiguration() throws -> Generator.Configuration {
        guard let profile = Generator.Profile(rawValue: profile.lowercased()) else {
            let valid = Generator.Profile.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown profile '\(self.profile)'; expected one of: \(valid)")
        }
        var endInstant = Generator.Configuration.defaultEnd
        if let end {
            guard let parsed = Instant.parse(end) else {
                throw ValidationError(
                    "--end '\(end)' is not an ISO 8601 instant or date; expected e.g. 2026-07-01T00:00:00Z or 2026-07-01"
                )
            }
            endInstant = parsed
        }
        let configuration = Generator.Configuration(
            profile: profile, users: users, days: days, seed: seed, end: endInstant)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message)
        }
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let generator = Generator(configuration)
        let output: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil),
                let handle = FileHandle(forWritingAtPath: out)
            else {
                throw Failure(description: "cannot write to '\(out)'")
            }
            output = handle
        } else {
            output = FileHandle.standardOutput
        }
        let clock = ContinuousClock()
        let started = clock.now
        var lastReport = started
        var done = 0
        let summary = try await generator.run(chunkSize: 2048, parallelism: 2) { chunk in
            try chunk.bytes.withUnsafeBytes { bytes in try output.write(contentsOf: bytes) }
            done += chunk.users.count
            let now = clock.now
            if now - lastReport >= .seconds(5) {
                lastReport = now
                Self.report("generate: \(done)/\(configuration.users) users, \(Self.seconds(now - started)) s")
            }
        }
        if out != nil { try output.close() }
        let elapsed = Self.seconds(clock.now - started)
        Self.report(
            "generate: wrote \(summary.messages) messages (\(summary.bytes) bytes) for \(summary.users) users "
                + "in \(elapsed) s")
    }

    private static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1f", Double(milliseconds) / 1000)
    }

    private static func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A failure that is not an argument mistake, reported as `Error: description`.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}
