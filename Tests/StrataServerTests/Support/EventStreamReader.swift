import Foundation
import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain HTTP/1.1 client for `text/event-stream` responses: sends one GET (or any bytes, for
/// requests no well-behaved client sends) over a loopback socket and reads the answer as it arrives,
/// on its own thread (reads block).
final class EventStreamReader: @unchecked Sendable {
    /// One server-sent event.
    struct Event: Equatable {
        var id: String?
        var event: String?
        var data: JSONValue
    }

    private let socket: Int32
    private let lock = NSLock()
    private var buffer = ""
    private var ended = false
    /// The bytes of the request sent: all of them unless the server stopped reading for 10 s.
    let sent: Int

    /// Connects and sends a GET; fails when the connection is refused.
    convenience init(port: Int, path: String, headers: [String: String]) throws {
        let lines = ["GET \(path) HTTP/1.1", "Host: 127.0.0.1"] + headers.map { "\($0): \($1)" }
        try self.init(port: port, request: Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
    }

    /// Connects and sends the bytes of a request as they are; fails when the connection is refused.
    init(port: Int, request: [UInt8]) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            sent = 0
            throw CocoaError(.fileReadUnknown)
        }
        // A send the server does not read gives up after 10 s, sending less.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { break }
            sent += count
        }
        self.sent = sent
        Thread.detachNewThread { [self] in
            var bytes = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(socket, &bytes, bytes.count, 0)
                guard count > 0 else {
                    lock.withLock { ended = true }
                    return
                }
                lock.withLock { buffer += String(decoding: bytes[0..<count], as: UTF8.self) }
            }
        }
    }

    /// Whether the server closed the connection (or it failed).
    var closed: Bool { lock.withLock { ended } }

    deinit { close(socket) }

    /// Ends the connection from this side, as a client that hangs up mid-request does.
    func hangUp() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Everything received so far (status line, headers and chunked body as sent).
    var received: String { lock.withLock { buffer } }

    /// The events received so far, in order.
    var events: [Event] {
        var events: [Event] = []
        var current = Event(data: .null)
        var inEvent = false
        // By bytes: "\r\n" is one Character, so a split on "\n" by characters would miss it.
        for bytes in received.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
            if line.hasPrefix("id: ") {
                current.id = String(line.dropFirst(4))
                inEvent = true
            } else if line.hasPrefix("event: ") {
                current.event = String(line.dropFirst(7))
                inEvent = true
            } else if line.hasPrefix("data: ") {
                current.data = (try? JSONParser.parse(Array(line.dropFirst(6).utf8))) ?? .null
                inEvent = true
            } else if line.isEmpty, inEvent {
                events.append(current)
                current = Event(data: .null)
                inEvent = false
            }
        }
        return events
    }

    /// Waits (up to 10 s) until `condition` holds for what was received.
    func wait(until condition: (EventStreamReader) -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition(self) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition(self)
    }
}
