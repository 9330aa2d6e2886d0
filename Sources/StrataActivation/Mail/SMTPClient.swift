import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import StrataCore
import StrataLanguage

/// Sends one message per connection to an SMTP server (RFC 5321): EHLO, STARTTLS or TLS from the first
/// byte, AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT.
struct SMTPClient: Sendable {
    /// Why a message was not accepted: `transient` is worth trying again (a 4xx reply, a connection or
    /// TLS error, a timeout); `permanent` is not (a 5xx reply, a server without what the destination asks).
    enum Failure: Error, Equatable {
        case transient(String, code: Int?)
        case permanent(String, code: Int?)
    }

    let smtp: Destination.SMTP
    /// The TLS settings, made once (they read the system's or `ca_file`'s certificates).
    let tls: NIOSSLContext?

    /// A client for a destination; throws when its `ca_file` cannot be read.
    init(smtp: Destination.SMTP, root: URL) throws {
        self.smtp = smtp
        guard smtp.tls != .none else {
            tls = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = smtp.caFile {
            let path = caFile.hasPrefix("/") ? caFile : root.appendingPathComponent(caFile).path
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        }
        tls = try NIOSSLContext(configuration: configuration)
    }

    /// Sends a message from `from` to `to` (envelope addresses); returns the code of the server's
    /// acceptance of the data.
    func send(from: String, to: String, message: String) async throws(Failure) -> Int {
        let host = smtp.host.reveal()
        let started = ContinuousClock.now
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(min(smtp.timeout, 30_000)))
                .connect(host: host, port: smtp.port) { [tls, smtp] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if smtp.tls == .implicit, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            // The whole conversation has the destination's timeout: the connection is closed when it passes.
            let deadline = channel.channel.eventLoop.scheduleTask(in: .milliseconds(smtp.timeout)) {
                channel.channel.close(promise: nil)
            }
            defer { deadline.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                var session = Session(replies: inbound.makeAsyncIterator(), outbound: outbound)
                return try await converse(&session, channel: channel.channel, from: from, to: to, message: message)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            if ContinuousClock.now - started >= .milliseconds(smtp.timeout) {
                throw .transient("timed out after \(smtp.timeout / 1000) s", code: nil)
            }
            throw .transient("could not talk to the SMTP server: \(PlainError.describeConnection(error))", code: nil)
        }
    }

    /// The replies and the writer of one connection.
    struct Session {
        var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        /// The next reply, which must have one of the codes; `step` names the command in errors.
        mutating func expect(_ codes: Set<Int>, after step: String) async throws -> SMTPReply {
            guard let reply = try await replies.next() else {
                throw Failure.transient("the server closed the connection after \(step)", code: nil)
            }
            guard codes.contains(reply.code) else {
                let message = "the server answered \(step) with \(reply.code) \(reply.text.prefix(200))"
                throw (400..<500).contains(reply.code)
                    ? Failure.transient(message, code: reply.code) : Failure.permanent(message, code: reply.code)
            }
            return reply
        }

        /// Sends a command line and waits for its reply; `shown` replaces the line in errors (for AUTH).
        mutating func command(_ line: String, expect codes: Set<Int>, shown: String? = nil) async throws -> SMTPReply {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await expect(codes, after: shown ?? line)
        }
    }

    private func converse(
        _ session: inout Session, channel: any Channel, from: String, to: String, message: String
    ) async throws -> Int {
        _ = try await session.expect([220], after: "connecting")
        let helo = "EHLO \(Self.clientName(from: from))"
        var features = Self.extensions(try await session.command(helo, expect: [250]))
        if smtp.tls == .starttls, let tls {
            guard features.keys.contains("STARTTLS") else {
                throw Failure.permanent(
                    "the server does not offer STARTTLS; set `tls: implicit` or, for a local relay only, `tls: none`",
                    code: nil)
            }
            _ = try await session.command("STARTTLS", expect: [220])
            let host = smtp.host.reveal()
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(host)), position: .first)
            }.get()
            features = Self.extensions(try await session.command(helo, expect: [250]))
        }
        if let username = smtp.username?.reveal() {
            try await authenticate(&session, username: username, password: smtp.password?.reveal() ?? "", features)
        }
        _ = try await session.command("MAIL FROM:<\(from)>", expect: [250])
        _ = try await session.command("RCPT TO:<\(to)>", expect: [250, 251])
        _ = try await session.command("DATA", expect: [354])
        try await session.outbound.write(ByteBuffer(string: Self.dotStuffed(message) + ".\r\n"))
        let accepted = try await session.expect([250], after: "the message")
        // The message is accepted: a failed QUIT changes nothing.
        _ = try? await session.command("QUIT", expect: [221])
        return accepted.code
    }

    private func authenticate(
        _ session: inout Session, username: String, password: String, _ features: [String: [String]]
    ) async throws {
        let mechanisms = Set(features["AUTH"] ?? [])
        if mechanisms.contains("PLAIN") {
            let credentials = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            _ = try await session.command("AUTH PLAIN \(credentials)", expect: [235], shown: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            _ = try await session.command("AUTH LOGIN", expect: [334])
            _ = try await session.command(
                Data(username.utf8).base64EncodedString(), expect: [334], shown: "the AUTH LOGIN user name")
            _ = try await session.command(
                Data(password.utf8).base64EncodedString(), expect: [235], shown: "the AUTH LOGIN password")
        } else {
            throw Failure.permanent(
                "the server offers no AUTH PLAIN or LOGIN (it offers: \(mechanisms.sorted().joined(separator: ", ")))",
                code: nil)
        }
    }

    /// The extensions of an EHLO reply: each line after the greeting, its keyword upper-cased, with its
    /// parameters (AUTH's mechanisms upper-cased too).
    static func extensions(_ reply: SMTPReply) -> [String: [String]] {
        var features: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            features[keyword] = words.dropFirst().map { keyword == "AUTH" ? $0.uppercased() : $0 }
        }
        return features
    }

    /// Each line that starts with `.` gets another (RFC 5321 section 4.5.2); the text ends with CRLF.
    static func dotStuffed(_ message: String) -> String {
        var text = message.hasSuffix("\r\n") ? message : message + "\r\n"
        if text.hasPrefix(".") { text = "." + text }
        return text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
    }

    /// The name the client greets with: the domain of the sender's address.
    static func clientName(from address: String) -> String {
        address.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    /// The name TLS checks the certificate against; nil for an IP address, which TLS cannot name.
    static func serverName(_ host: String) -> String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
    }
}
