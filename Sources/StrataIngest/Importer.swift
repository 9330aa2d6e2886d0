import Foundation
import StrataCore
import StrataStore

/// What follows an import's appends in the order they commit: the timelines file kept current.
public protocol ImportFollower: Sendable {
    /// Takes one committed append: its messages (in parts, as appended) and what became of each.
    /// Called once per append, in order, one call at a time, while the import goes on.
    func follow(_ messages: [[StoredMessage]], _ result: AppendResult)
    /// Called once after the last append, while the store indexes what was appended.
    func finish()
}

/// Imports JSONL and delimited files into a store.
///
/// A bad line never aborts an import and never vanishes: it is quarantined with its reason and
/// its `file:line`. Message ids make imports idempotent: importing a file twice changes nothing.
public struct Importer: Sendable {
    /// How delimited files are read; nil means every file is JSONL.
    public struct Delimited: Sendable {
        /// The `--map` specifications.
        public var mapping: [String]
        /// Column names for files without a header row; nil means the first row is the header.
        public var columns: [String]?
        /// The delimiter; nil means guessed from the first line.
        public var delimiter: Delimiter?
        /// The zone for dates and times without an offset.
        public var zone: Zone

        /// Options from their parts.
        public init(mapping: [String], columns: [String]?, delimiter: Delimiter?, zone: Zone) {
            self.mapping = mapping
            self.columns = columns
            self.delimiter = delimiter
            self.zone = zone
        }
    }

    /// How far an import has come.
    public struct Progress: Sendable {
        /// The file being read.
        public var file: String
        /// Bytes read of all files, and their total.
        public var bytesRead: Int64
        /// See ``bytesRead``.
        public var totalBytes: Int64
        /// Messages decoded so far.
        public var messages: Int
    }

    private let store: any MessageLog
    private let delimited: Delimited?
    private let batchSize: Int
    private let receivedAt: Int64
    private let follower: (any ImportFollower)?

    /// An importer writing to a store; `receivedAt` stamps messages that carry none.
    ///
    /// Each batch of `batchSize` lines is one transaction. Imports are idempotent, so large
    /// batches lose nothing on a crash that a re-run does not restore. A `follower` is given each
    /// batch once it is committed.
    public init(
        store: any MessageLog, delimited: Delimited? = nil, batchSize: Int = 50_000, receivedAt: Int64,
        follower: (any ImportFollower)? = nil
    ) {
        self.store = store
        self.delimited = delimited
        self.batchSize = batchSize
        self.receivedAt = receivedAt
        self.follower = follower
    }

    /// Imports the files in order and reports what happened.
    ///
    /// Reading, decoding and writing overlap: while the store commits one batch, the next is
    /// decoded into its stored form on every core, and the follower takes the one committed before.
    public func run(files: [String], progress: @Sendable (Progress) -> Void = { _ in }) async throws -> ImportReport {
        var report = ImportReport()
        let sizes = try files.map { path -> Int64 in try checkedSize(of: path) }
        let total = sizes.reduce(0, +)
        var pending: PendingAppend?
        var following: Task<Void, Never>?
        var carried: [QuarantineEntry] = []
        var bytesBefore: Int64 = 0
        for path in files {
            var reader = try FileLines(path: path)
            var rows = delimited.map { RowDecoder(delimited: $0, file: path, receivedAt: receivedAt) }
            while let block = try reader.next(maxLines: batchSize) {
                report.lines += block.lines.count
                var parts = [Batch()]
                if rows != nil {
                    rows?.decode(block, into: &parts[0])
                } else {
                    parts = await Self.decode(block, file: path, receivedAt: receivedAt)
                }
                if let previous = pending {
                    carried = try await previous.settle(into: &report)
                    following = try await follow(previous, after: following)
                }
                for part in parts { report.record(decoded: part.messages.count, quarantined: part.quarantine) }
                let messages = parts.map(\.messages)
                let quarantine = carried + parts.flatMap(\.quarantine)
                let task = Task { [store] in try await store.append(storedParts: messages, quarantine: quarantine) }
                pending = PendingAppend(
                    task: task, block: block, origins: parts.flatMap(\.origins), messages: messages, file: path,
                    receivedAt: receivedAt)
                progress(
                    Progress(
                        file: path, bytesRead: bytesBefore + reader.bytesRead, totalBytes: total,
                        messages: report.decoded))
            }
            if let error = rows?.setupError { throw error }
            for reading in rows?.readings ?? [] { report.add(reading) }
            bytesBefore += reader.bytesRead
            report.files.append(path)
        }
        if let previous = pending {
            let late = try await previous.settle(into: &report)
            following = try await follow(previous, after: following)
            if !late.isEmpty { report.add(try await store.append(stored: [], quarantine: late)) }
        }
        await following?.value
        // The follower finishes (the timelines file is written) while the store indexes the messages.
        let finishing = follower.map { follower in Task.detached { follower.finish() } }
        do {
            try await store.indexAll()
        } catch {
            report.indexFailure = PlainError.describe(error)
        }
        await finishing?.value
        progress(Progress(file: files.last ?? "", bytesRead: total, totalBytes: total, messages: report.decoded))
        report.bytes = total
        return report
    }

    /// Gives the follower a committed append once it has taken the one before (so that at most one
    /// waits), on a thread of its own at the lowest priority (``LowPriorityThread``), which runs on
    /// what decoding and writing leave of the cores; nil without a follower.
    private func follow(
        _ append: PendingAppend, after previous: Task<Void, Never>?
    ) async throws -> Task<Void, Never>? {
        guard let follower else { return nil }
        let result = try await append.task.value
        await previous?.value
        let messages = append.messages
        return Task {
            await withCheckedContinuation { done in
                LowPriorityThread.run {
                    follower.follow(messages, result)
                    done.resume()
                }
            }
        }
    }

    /// An append under way, with what its conflicting duplicates are quarantined from.
    private struct PendingAppend {
        let task: Task<AppendResult, any Error>
        let block: Lines
        let origins: [Batch.Origin]
        let messages: [[StoredMessage]]
        let file: String
        let receivedAt: Int64

        /// Waits for the append, counts it, and returns quarantine entries for the messages whose id
        /// was stored with different content: the line as read, naming the id (nothing sent is lost).
        func settle(into report: inout ImportReport) async throws -> [QuarantineEntry] {
            let result = try await task.value
            report.add(result)
            guard !result.conflicts.isEmpty else { return [] }
            let flat = Array(messages.joined())
            let entries = result.conflicts.map { position in
                let origin = origins[position]
                return QuarantineEntry(
                    source: "\(file):\(origin.line)", index: origin.index,
                    error: MessageError(
                        .conflictingDuplicate, field: "messageId",
                        "message id \(flat[position].messageId) is already stored with different content; the stored message is kept"
                    ),
                    raw: Array(block.bytes[block.lines[origin.line - block.firstNumber]]), receivedAt: receivedAt)
            }
            report.record(decoded: 0, quarantined: entries)
            return entries
        }
    }

    /// The size of a file to import, or an error saying what to do instead.
    private func checkedSize(of path: String) throws(ImportError) -> Int64 {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ImportError("cannot read \(path): no such file")
        }
        if isFolder.boolValue {
            throw ImportError("\(path) is a folder: give the files in it, for example \(path)/*.jsonl")
        }
        let suffix = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if delimited == nil, Self.delimitedSuffixes.contains(suffix) {
            throw ImportError(
                "\(path) looks like a delimited file: say which columns hold what with --map, for example "
                    + "--map userId=customer_id --map timestamp=date --map event=\"Order Completed\" "
                    + "(see strata import --help)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber
        else { throw ImportError("cannot read \(path): permission denied") }
        return size.int64Value
    }

    /// File name suffixes of delimited files, which need `--map`.
    static let delimitedSuffixes: Set<String> = ["csv", "tsv"]

    /// Decodes the JSONL lines of a block into their stored form, in parts on every core; the parts
    /// come back in the order of their lines.
    private static func decode(_ block: Lines, file: String, receivedAt: Int64) async -> [Batch] {
        let parts = max(1, min(4 * ProcessInfo.processInfo.activeProcessorCount, block.lines.count / 1000))
        let size = (block.lines.count + parts - 1) / parts
        return await withTaskGroup(of: (Int, Batch).self) { group in
            for part in 0..<parts {
                group.addTask {
                    var batch = Batch()
                    let range = part * size..<min(block.lines.count, (part + 1) * size)
                    block.bytes.withUnsafeBufferPointer { bytes in
                        for index in range {
                            let line = UnsafeBufferPointer(rebasing: bytes[block.lines[index]])
                            decode(line, file: file, number: block.firstNumber + index, receivedAt, into: &batch)
                        }
                    }
                    return (part, batch)
                }
            }
            var decoded = [Batch](repeating: Batch(), count: parts)
            for await (part, batch) in group { decoded[part] = batch }
            return decoded
        }
    }

    /// Decodes one JSONL line: straight to its stored form when it can be scanned, else through
    /// ``MessageDocument``, which also decides every refusal.
    private static func decode(
        _ line: UnsafeBufferPointer<UInt8>, file: String, number: Int, _ receivedAt: Int64, into batch: inout Batch
    ) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        if let stored = StoredMessage(scanning: line, receivedAt: receivedAt) {
            batch.append(stored, line: number, index: 0)
            return
        }
        for item in MessageDocument.decode(line, receivedAt: receivedAt) {
            switch item.result {
            case .success(let message): batch.append(StoredMessage(message), line: number, index: item.index)
            case .failure(let error):
                batch.quarantine.append(
                    QuarantineEntry(
                        source: "\(file):\(number)", index: item.index, error: error, raw: item.raw,
                        receivedAt: receivedAt))
            }
        }
    }

    /// Messages and refusals waiting to be written.
    struct Batch: Sendable {
        /// Where a message was read: its line, and its position in a batch on that line.
        struct Origin: Sendable {
            var line: Int
            var index: Int
        }

        private(set) var messages: [StoredMessage] = []
        /// The origin of each message.
        private(set) var origins: [Origin] = []
        var quarantine: [QuarantineEntry] = []

        mutating func append(_ message: StoredMessage, line: Int, index: Int) {
            messages.append(message)
            origins.append(Origin(line: line, index: index))
        }
    }
}

/// What an import did.
public struct ImportReport: Sendable {
    /// The files read.
    public var files: [String] = []
    /// Lines read (blank ones included).
    public var lines = 0
    /// Bytes read.
    public var bytes: Int64 = 0
    /// Valid messages decoded.
    public var decoded = 0
    /// Counts from the store: stored, duplicates, conflicting, quarantined.
    public var stored = AppendResult()
    /// Quarantined messages by reason code.
    public var quarantinedByReason: [String: Int] = [:]
    /// The first few refusals, as `file:line[#index]: reason (field): detail`.
    public var examples: [String] = []
    /// How the mapped fields with inferred values were read (delimited files).
    public var readings: [ValueReading] = []
    /// Why indexing the messages after the store's last stretch failed at the end, when it did: every
    /// message is stored all the same, and a later import indexes them.
    public var indexFailure: String?

    /// How many refusals ``examples`` keeps.
    public static let exampleLimit = 5

    mutating func record(decoded count: Int, quarantined entries: [QuarantineEntry]) {
        decoded += count
        for entry in entries {
            quarantinedByReason[entry.reason, default: 0] += 1
            if examples.count < Self.exampleLimit {
                let index = entry.index > 0 ? "#\(entry.index)" : ""
                let field = entry.field.map { " (\($0))" } ?? ""
                examples.append("\(entry.source)\(index): \(entry.reason)\(field): \(entry.detail)")
            }
        }
    }

    mutating func add(_ reading: ValueReading) {
        if let index = readings.firstIndex(where: { $0.target == reading.target && $0.source == reading.source }) {
            readings[index].add(reading)
        } else {
            readings.append(reading)
        }
    }

    mutating func add(_ result: AppendResult) {
        var counted = result
        counted.fates = []
        counted.conflicts = []
        counted.storedSequences = []
        stored.add(counted)
    }
}

/// Turns the rows of a delimited file into messages or quarantine entries.
private struct RowDecoder {
    let delimited: Importer.Delimited
    let file: String
    let receivedAt: Int64
    var mapping: ColumnMapping?
    var delimiter: Delimiter?
    var occurrences: [String: Int] = [:]
    var setupError: ImportError?
    var sawHeader = false
    var tally = ValueTally()

    init(delimited: Importer.Delimited, file: String, receivedAt: Int64) {
        self.delimited = delimited
        self.file = file
        self.receivedAt = receivedAt
        delimiter = delimited.delimiter
    }

    mutating func decode(_ block: Lines, into batch: inout Importer.Batch) {
        for (index, range) in block.lines.enumerated() {
            decode(line: Array(block.bytes[range]), number: block.firstNumber + index, into: &batch)
        }
    }

    mutating func decode(line: [UInt8], number: Int, into batch: inout Importer.Batch) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard setupError == nil else { return }
        func refuse(_ error: MessageError) {
            batch.quarantine.append(
                QuarantineEntry(source: "\(file):\(number)", index: 0, error: error, raw: line, receivedAt: receivedAt))
        }
        guard let text = String(validating: line, as: UTF8.self) else {
            refuse(MessageError(.invalidRow, "the line is not valid UTF-8"))
            return
        }
        let row = Substring(text)
        if delimiter == nil { delimiter = Delimiter.guess(from: row) }
        guard let delimiter, let fields = delimiter.split(row) else {
            refuse(MessageError(.invalidRow, "a quoted field is not closed on this line"))
            return
        }
        if mapping == nil {
            let columns: [String]
            if let given = delimited.columns {
                columns = given
            } else {
                columns = fields.map { String($0) }
                sawHeader = true
            }
            do {
                mapping = try ColumnMapping(specifications: delimited.mapping, columns: columns, zone: delimited.zone)
            } catch {
                setupError = ImportError("\(file): \(error.message)")
                return
            }
            if sawHeader { return }
        }
        guard let mapping else { return }
        guard fields.count == mapping.columns.count else {
            let named = delimited.columns == nil ? "the header has" : "--columns names"
            refuse(MessageError(.invalidRow, "the row has \(fields.count) fields, \(named) \(mapping.columns.count)"))
            return
        }
        switch mapping.objects(row: fields, tally: &tally) {
        case .failure(let error):
            refuse(error)
        case .success(var objects):
            // Identical rows are distinct purchases: without a messageId they are numbered, so re-imports
            // still match; the identify carrying an event row's traits is known by the event's id.
            let last = objects.count - 1
            let id = objects[last]["messageId"]?.stringValue ?? nextRowId(text)
            objects[last]["messageId"] = .string(id)
            for index in 0..<last { objects[index]["messageId"] = .string(id + ":traits") }
            var decoded: [StoredMessage] = []
            for object in objects {
                do {
                    decoded.append(StoredMessage(try Message.decode(.object(object), receivedAt: receivedAt)))
                } catch {
                    refuse(error)
                    return
                }
            }
            for message in decoded { batch.append(message, line: number, index: 0) }
        }
    }

    private mutating func nextRowId(_ text: String) -> String {
        let seen = occurrences[text, default: 0]
        occurrences[text] = seen + 1
        return Message.stableId(of: Array(text.utf8)) + "-\(seen)"
    }

    /// How the fields with inferred values were read in this file.
    var readings: [ValueReading] { mapping?.readings(tally) ?? [] }
}

/// Lines of a file: their bytes, where each line lies in them, and the number of the first.
private struct Lines: Sendable {
    var bytes: [UInt8]
    var lines: [Range<Int>]
    var firstNumber: Int
}

/// Reads a file in blocks of lines, in large chunks, numbering lines from 1.
private struct FileLines {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var number = 0
    private(set) var bytesRead: Int64 = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError("cannot open \(path) for reading")
        }
        self.handle = handle
    }

    /// The next lines (without their newlines or trailing carriage returns), at most `maxLines` of
    /// them, or nil at the end.
    mutating func next(maxLines: Int) throws -> Lines? {
        while true {
            var lines: [Range<Int>] = []
            var position = start
            while lines.count < maxLines, let newline = buffer[position...].firstIndex(of: 0x0A) {
                lines.append(position..<(newline > position && buffer[newline - 1] == 0x0D ? newline - 1 : newline))
                position = newline + 1
            }
            if lines.isEmpty, atEnd, position < buffer.count {
                lines.append(position..<(buffer[buffer.count - 1] == 0x0D ? buffer.count - 1 : buffer.count))
                position = buffer.count
            }
            if !lines.isEmpty {
                let base = start
                let block = Lines(
                    bytes: Array(buffer[base..<position]),
                    lines: lines.map { $0.lowerBound - base..<$0.upperBound - base },
                    firstNumber: number + 1)
                number += lines.count
                start = position
                return block
            }
            if atEnd { return nil }
            buffer.removeFirst(start)
            start = 0
            let chunk = try handle.read(upToCount: 16 << 20) ?? Data()
            if chunk.isEmpty {
                atEnd = true
            } else {
                // A byte order mark (spreadsheets write one) is not part of the first line.
                let skip = bytesRead == 0 && chunk.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
                bytesRead += Int64(chunk.count)
                buffer.append(contentsOf: chunk.dropFirst(skip))
            }
        }
    }
}
