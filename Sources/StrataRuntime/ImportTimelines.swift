import Logging
import StrataCore
import StrataEngine
import StrataIngest
import StrataLanguage
import StrataStore
import Synchronization

/// Keeps the timelines file current through an import, with no second pass over what it stored:
/// each message the import commits is packed as it is committed, and once the import has committed
/// the last, the file's pack (as of the log the import found) takes them and the file is written.
///
/// The file is written when the import stored at least an eighth of the messages the log held before
/// (and at least ``TimelineFile/rewriteMinimum``), as a batch command rewrites it
/// (``EvaluationSession/scan(into:through:progress:)``): fewer are read from the log by the next
/// command more cheaply than the file is written. A message committed by another writer in between (a
/// server appending to the same store) leaves a gap the pack cannot fill: the file is then left to the
/// next command too.
public final class ImportTimelines: ImportFollower {
    /// The imported messages packed, and what they cover.
    private struct State {
        /// The messages the import stored, after `found`; nil once one was missed.
        var builder: TimelineBuilder?
        /// The last log sequence packed.
        var sequence: Int64
        /// The messages packed.
        var messages = 0
    }

    private let session: EvaluationSession
    private let file: TimelineFile
    /// The last log sequence when the import started.
    private let found: Int64
    private let state: Mutex<State>

    /// A follower keeping the session's timelines file current; nil when the session has none, or no
    /// definitions yet (no segment, score, stage model or computed trait): the first batch command
    /// after they are written builds the file for what they read. Make it before the import stores
    /// anything.
    public init?(session: EvaluationSession) throws(SessionError) {
        let definitions = session.definitions
        guard let file = session.timelines,
            !(definitions.segments.isEmpty && definitions.scores.isEmpty && definitions.stageModels.isEmpty
                && definitions.computedTraits.isEmpty)
        else { return nil }
        self.session = session
        self.file = file
        do {
            found = try session.store.lastSequence()
        } catch {
            throw .store(error)
        }
        state = Mutex(State(builder: session.fileBuilder(), sequence: found))
    }

    public func follow(_ messages: [[StoredMessage]], _ result: AppendResult) {
        state.withLock { state in
            guard var builder = state.builder else { return }
            // Taken out, so that adding to it copies nothing.
            state.builder = nil
            var keys = [Set<String>](repeating: [], count: Message.Kind.allCases.count)
            for kind in Message.Kind.allCases { keys[kind.code] = builder.payloadKeys(of: kind) }
            var (position, stored) = (0, 0)
            // The messages are read in place: copying each one out would retain every field.
            for part in messages {
                for index in part.indices {
                    defer { position += 1 }
                    guard result.fates[position] == .stored else { continue }
                    let sequence = result.storedSequences[stored]
                    stored += 1
                    guard sequence == state.sequence + 1 else {
                        return leave(because: "a message the import did not store came in between")
                    }
                    guard
                        let read = try? part[index].message(
                            includingContext: false, payloadKeys: keys[part[index].kind.code])
                    else { return leave(because: "a stored message's payload could not be read back") }
                    builder.add(sequence: sequence, message: read)
                    state.sequence = sequence
                    state.messages += 1
                }
            }
            state.builder = builder
        }
    }

    public func finish() {
        state.withLock { state in
            guard var imported = state.builder, state.messages > 0 else { return }
            state.builder = nil
            guard found == 0 || file.worthRewriting(later: state.messages, covered: Int(found)) else {
                session.logger.debug(
                    "timelines: the import stored few messages; the next command reads them from the log",
                    metadata: ["messages": "\(state.messages)"])
                return
            }
            do throws(SessionError) {
                // The builders are let go of before the snapshot is encoded: the snapshot holds the
                // messages resolved, in columns of their own.
                guard
                    let snapshot = try snapshot(
                        of: consume imported, messages: state.messages, through: state.sequence)
                else { return }
                try file.write(snapshot, logger: session.logger)
            } catch {
                session.logger.info("timelines: cannot keep the file current", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The file's snapshot: the file's pack as the import found it (when the log held messages then)
    /// with the imported messages after it; nil when the file keeps more than the definitions read.
    private func snapshot(
        of imported: consuming TimelineBuilder, messages: Int, through sequence: Int64
    ) throws(SessionError) -> TimelineSnapshot? {
        guard found > 0 else {
            return imported.snapshot(sequence: sequence, messages: messages, erasures: file.erasures)
        }
        var before = try session.pack(through: found)
        guard before.builder.keepsTheSame(as: imported) else {
            leave(because: "the file keeps more than the definitions read")
            return nil
        }
        before.builder.add(imported)
        return before.builder.snapshot(
            sequence: sequence, messages: messages + before.messages, erasures: file.erasures)
    }

    private func leave(because reason: String) {
        session.logger.info(
            "timelines: the import leaves the file to the next command that reads the log",
            metadata: ["reason": "\(reason)"])
    }
}
