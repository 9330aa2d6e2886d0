import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// Numbers sent as text (`"price": "19.99"`), which `sum`, `avg`, `min` and `max` skip: how often the
/// property a numeric aggregate reads is text in the events it picks.
public struct TextNumbers: Sendable, Equatable {
    /// The aggregate.
    public var read: NumericPropertyRead
    /// Picked events carrying the property as a number.
    public var numbers = 0
    /// Picked events carrying it as text.
    public var texts = 0

    /// The share of text among the events carrying the property, in percent (rounded).
    public var percent: Int {
        numbers + texts == 0 ? 0 : Int((100 * Double(texts) / Double(numbers + texts)).rounded())
    }

    /// The events the selector picks, as written in the warning (`Product Added events`).
    public var events: String {
        guard let names = read.events else { return "events" }
        return names.map { "\"\($0)\"" }.joined(separator: " or ") + " events"
    }

    /// Counts how each aggregate's property is held in some messages.
    public static func tally(_ reads: [NumericPropertyRead], in messages: some Sequence<Message>) -> [TextNumbers] {
        var tallies = reads.map { TextNumbers(read: $0) }
        for message in messages where message.kind.isEvent {
            guard let event = message.event else { continue }
            for index in tallies.indices where tallies[index].read.picks(event) {
                switch JSONValue.object(message.properties).value(atPath: tallies[index].read.property) {
                case .number?: tallies[index].numbers += 1
                case .string?: tallies[index].texts += 1
                default: break
                }
            }
        }
        return tallies
    }

    /// Warnings for the aggregates of the definitions whose property is text in the stored events: the
    /// log is read from its start, at most `budget` messages (the warning says so when it stopped
    /// there), and only where the definition files are (`sources`).
    public static func warnings(
        _ definitions: Definitions, sources: [String: String], store: any Store, budget: Int = 200_000
    ) throws(SessionError) -> [Diagnostic] {
        let reads = NumericPropertyRead.reads(in: definitions).filter { sources[$0.file] != nil }
        guard !reads.isEmpty else { return [] }
        let keys = Set(reads.compactMap(\.property.first))
        var tallies = reads.map { TextNumbers(read: $0) }
        var after: Int64 = 0
        var read = 0
        do {
            while read < budget {
                let chunk = try store.messages(after: after, limit: min(10_000, budget - read), payloadKeys: keys)
                guard let last = chunk.last else { break }
                for (index, tally) in Self.tally(reads, in: chunk.map(\.message)).enumerated() {
                    tallies[index].numbers += tally.numbers
                    tallies[index].texts += tally.texts
                }
                after = last.sequence
                read += chunk.count
            }
        } catch {
            throw .store(error)
        }
        let sampled = read >= budget ? " (in the first \(budget) stored messages)" : ""
        return tallies.filter { $0.texts > 0 }.map { tally in
            let property = tally.read.property.joined(separator: ".")
            return Diagnostic(
                .warning, .textNumbers,
                "`\(property)` is text, not a number, in \(tally.percent)% of the \(tally.events) that carry it"
                    + "\(sampled): \(tally.read.function) skips them; send numbers as JSON numbers",
                file: tally.read.file, at: tally.read.range)
        }
    }
}
