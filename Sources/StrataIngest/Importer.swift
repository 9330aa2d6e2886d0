import Foundation
import StrataCore
import StrataStore

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

    private let store: any EventStore
    private let delimited: Delimited?
    private let batchSize: Int
    private let receivedAt: Int64

    /// An importer writing to a store; `receivedAt` stamps messages that carry none.
    public init(store: any EventStore, delimited: Delimited? = nil, batchSize: Int = 5000, receivedAt: Int64) {
        self.store = store
        self.delimited = delimited
        self.batchSize = batchSize
        self.receivedAt = receivedAt
    }

    /// Imports the files in order and reports what happened.
    public func run(files: [String], progress: @Sendable (Progress) -> Void = { _ in }) async throws -> ImportReport {
        var report = ImportReport()
        let sizes = try files.map { path -> Int64 in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? NSNumber
            else { throw ImportError("cannot read \(path): no such file") }
            return size.int64Value
        }
        let total = sizes.reduce(0, +)
        var pending: Task<AppendResult, any Error>?
        var batch = Batch()
        var bytesBefore: Int64 = 0
        for path in files {
            var reader = try FileLines(path: path)
            var rows = RowDecoder(delimited: delimited, file: path, receivedAt: receivedAt)
            while let (number, line) = try reader.next() {
                report.lines += 1
                rows.decode(line: line, number: number, into: &batch)
                if batch.messages.count >= batchSize || batch.quarantine.count >= batchSize {
                    if let previous = try await pending?.value { report.add(previous) }
                    let full = batch
                    batch = Batch()
                    report.record(full)
                    pending = Task { [store] in try await store.append(full.messages, quarantine: full.quarantine) }
                    progress(
                        Progress(
                            file: path, bytesRead: bytesBefore + reader.bytesRead, totalBytes: total,
                            messages: report.decoded))
                }
            }
            if let error = rows.setupError { throw error }
            bytesBefore += reader.bytesRead
            report.files.append(path)
        }
        if let previous = try await pending?.value { report.add(previous) }
        report.record(batch)
        report.add(try await store.append(batch.messages, quarantine: batch.quarantine))
        progress(Progress(file: files.last ?? "", bytesRead: total, totalBytes: total, messages: report.decoded))
        report.bytes = total
        return report
    }

    /// Messages and refusals waiting to be written.
    struct Batch: Sendable {
        var messages: [Message] = []
        var quarantine: [QuarantineEntry] = []
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

    /// How many refusals ``examples`` keeps.
    public static let exampleLimit = 5

    mutating func record(_ batch: Importer.Batch) {
        decoded += batch.messages.count
        for entry in batch.quarantine {
            quarantinedByReason[entry.reason, default: 0] += 1
            if examples.count < Self.exampleLimit {
                let index = entry.index > 0 ? "#\(entry.index)" : ""
                let field = entry.field.map { " (\($0))" } ?? ""
                examples.append("\(entry.source)\(index): \(entry.reason)\(field): \(entry.detail)")
            }
        }
    }

    mutating func add(_ result: AppendResult) {
        var counted = result
        counted.duplicateFlags = []
        stored.add(counted)
    }
}

/// Turns lines into messages or quarantine entries.
private struct RowDecoder {
    let delimited: Importer.Delimited?
    let file: String
    let receivedAt: Int64
    var mapping: ColumnMapping?
    var delimiter: Delimiter?
    var occurrences: [String: Int] = [:]
    var setupError: ImportError?
    var sawHeader = false

    init(delimited: Importer.Delimited?, file: String, receivedAt: Int64) {
        self.delimited = delimited
        self.file = file
        self.receivedAt = receivedAt
        delimiter = delimited?.delimiter
    }

    mutating func decode(line: [UInt8], number: Int, into batch: inout Importer.Batch) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard let delimited else {
            let items = line.withUnsafeBufferPointer { MessageDocument.decode($0, receivedAt: receivedAt) }
            for item in items {
                switch item.result {
                case .success(let message): batch.messages.append(message)
                case .failure(let error):
                    batch.quarantine.append(
                        QuarantineEntry(
                            source: "\(file):\(number)", index: item.index, error: error, raw: item.raw,
                            receivedAt: receivedAt))
                }
            }
            return
        }
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
        switch mapping.object(row: fields) {
        case .failure(let error):
            refuse(error)
        case .success(var object):
            if object["messageId"] == nil {
                // Identical rows are distinct purchases: number them, so re-imports still match.
                let seen = occurrences[text, default: 0]
                occurrences[text] = seen + 1
                object["messageId"] = .string(Message.stableId(of: Array(text.utf8)) + "-\(seen)")
            }
            do {
                batch.messages.append(try Message.decode(.object(object), receivedAt: receivedAt))
            } catch {
                refuse(error)
            }
        }
    }
}

/// Reads a file line by line in large chunks, numbering lines from 1.
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

    /// The next line (without its newline or a trailing carriage return), or nil at the end.
    mutating func next() throws -> (Int, [UInt8])? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                number += 1
                return (number, line)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = buffer.count
                number += 1
                return (number, line)
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty {
                atEnd = true
            } else {
                bytesRead += Int64(chunk.count)
                buffer.append(contentsOf: chunk)
            }
        }
    }
}
