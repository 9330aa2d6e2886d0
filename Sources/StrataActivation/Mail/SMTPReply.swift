import Foundation
import NIOCore

/// One reply of an SMTP server (RFC 5321 section 4.2): a three-digit code and the text of its lines.
struct SMTPReply: Sendable, Equatable {
    /// The reply code.
    var code: Int
    /// The text of each line, after the code and its separator.
    var lines: [String]

    /// The lines as one text, for error messages.
    var text: String { lines.joined(separator: " ").trimmingCharacters(in: .whitespaces) }
}

/// Reads replies line by line: `250-first`, `250-second`, `250 last` make one reply.
struct SMTPReplyParser: Sendable {
    /// A line that is not a reply line.
    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "the server sent a line that is not an SMTP reply: \"\(line.prefix(80))\"" }
    }

    private var pending: [String] = []
    private var pendingCode: Int?

    /// Takes one line (without its line break); returns the reply it completes, if it does.
    mutating func take(_ line: String) throws -> SMTPReply? {
        let characters = Array(line.utf8)
        guard characters.count >= 3, characters[0..<3].allSatisfy({ (0x30...0x39).contains($0) }),
            let code = Int(String(decoding: characters[0..<3], as: UTF8.self)),
            characters.count == 3 || characters[3] == UInt8(ascii: " ") || characters[3] == UInt8(ascii: "-"),
            pendingCode == nil || pendingCode == code
        else { throw Malformed(line: line) }
        pending.append(characters.count > 4 ? String(decoding: characters[4...], as: UTF8.self) : "")
        if characters.count > 3, characters[3] == UInt8(ascii: "-") {
            pendingCode = code
            return nil
        }
        defer {
            pending = []
            pendingCode = nil
        }
        return SMTPReply(code: code, lines: pending)
    }
}

/// Turns the server's bytes into replies for the client's channel.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// The longest reply line taken (RFC 5321 allows 512 bytes; servers send more in practice).
    static let maxLine = 4096

    private var parser = SMTPReplyParser()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLine {
                throw SMTPReplyParser.Malformed(line: buffer.getString(at: buffer.readerIndex, length: 80) ?? "")
            }
            return .needMoreData
        }
        var bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1) ?? []
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        if let reply = try parser.take(String(decoding: bytes, as: UTF8.self)) {
            context.fireChannelRead(wrapInboundOut(reply))
        }
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
