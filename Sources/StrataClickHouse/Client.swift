import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of ClickHouse's HTTP interface: each statement is one POST, its text in the body (or, for
/// an INSERT carrying rows, in the `query` parameter with the rows in the body).
///
/// A statement ClickHouse refuses throws a ``ClickHouseError`` holding the server's message; so does
/// a server that cannot be reached. Credentials travel in a basic `Authorization` header, never in
/// the URL or in an error.
public struct Client: Sendable {
    /// The settings: where the server is and who to be.
    public let settings: Settings
    private let http: HTTPClient

    /// A client of the server the settings name, over a shared HTTP client.
    public init(settings: Settings, http: HTTPClient = Client.shared) {
        self.settings = settings
        self.http = http
    }

    /// The HTTP client of every ClickHouse client unless told otherwise (``httpConfiguration``).
    public static let shared = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

    /// AsyncHTTPClient's shared configuration, except for two things:
    /// - a connection refused fails the statement at once. By default AsyncHTTPClient tries to connect
    ///   again and again until the statement's timeout, so a node that is down would hold a command, or
    ///   the background shipper, for `timeout_seconds` before saying so;
    /// - no read timeout: a statement may take up to `timeout_seconds` (each request's deadline), where
    ///   the shared configuration gave up on any answer after 90 s of silence.
    static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.read = nil
        return configuration
    }

    /// Runs a statement and returns the bytes of its answer. `parameters` are ClickHouse settings for
    /// this statement only (`insert_distributed_sync`, `max_query_size`...).
    @discardableResult
    public func execute(_ sql: String, parameters: [String: String] = [:]) async throws(ClickHouseError) -> [UInt8] {
        try await send(body: Array(sql.utf8), parameters: parameters, describing: sql)
    }

    /// Inserts rows, already in the format `statement` names (`INSERT INTO t FORMAT JSONEachRow`).
    public func insert(
        _ statement: String, rows: [UInt8], parameters: [String: String] = [:]
    ) async throws(ClickHouseError) {
        var parameters = parameters
        parameters["query"] = statement
        _ = try await send(body: rows, parameters: parameters, describing: statement)
    }

    /// The answer of a query in TabSeparated format, as rows of unescaped fields.
    public func rows(_ sql: String, parameters: [String: String] = [:]) async throws(ClickHouseError) -> [[String]] {
        let bytes = try await execute(sql + "\nFORMAT TabSeparated", parameters: parameters)
        return Self.tabSeparated(bytes)
    }

    private func send(
        body: [UInt8], parameters: [String: String], describing statement: String
    ) async throws(ClickHouseError) -> [UInt8] {
        var components = URLComponents(url: settings.url, resolvingAgainstBaseURL: false)
        var items = [URLQueryItem(name: "database", value: settings.database)]
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            items.append(URLQueryItem(name: name, value: value))
        }
        components?.queryItems = items
        // `+` is a space in a query string: spell it out so that SQL keeps its plus signs.
        let query = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = query
        guard let url = components?.url else { throw ClickHouseError("cannot build a URL from \(settings.url)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        let credentials = Data("\(settings.user):\(settings.password)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: HTTPResponseStatus
        let answer: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
            status = response.status
            answer = try await response.body.collect(upTo: 1 << 31)
        } catch {
            throw ClickHouseError("ClickHouse at \(settings.url) cannot be reached: \(error)")
        }
        let bytes = Array(answer.readableBytesView)
        guard status == .ok else {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ClickHouseError(
                "ClickHouse at \(settings.url) refused \(Self.summary(of: statement)) (HTTP \(status.code)): \(text)")
        }
        return bytes
    }

    /// The statement's first words, enough to say which one failed without printing its data.
    static func summary(of statement: String) -> String {
        let words = statement.split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        return "`\(words)\(statement.split(whereSeparator: \.isWhitespace).count > 4 ? " ..." : "")`"
    }

    /// Splits TabSeparated output into rows of fields, undoing its backslash escapes.
    static func tabSeparated(_ bytes: [UInt8]) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\\") where i + 1 < bytes.count:
                i += 1
                switch bytes[i] {
                case UInt8(ascii: "t"): field.append(0x09)
                case UInt8(ascii: "n"): field.append(0x0A)
                case UInt8(ascii: "r"): field.append(0x0D)
                case UInt8(ascii: "b"): field.append(0x08)
                case UInt8(ascii: "f"): field.append(0x0C)
                case UInt8(ascii: "0"): field.append(0x00)
                default: field.append(bytes[i])
                }
            case 0x09:
                row.append(String(decoding: field, as: UTF8.self))
                field = []
            case 0x0A:
                row.append(String(decoding: field, as: UTF8.self))
                rows.append(row)
                row = []
                field = []
            default:
                field.append(byte)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
        }
        return rows
    }
}
