import CompressNIO
import Foundation
import Hummingbird

/// Reads a request body whole, inflating gzip or deflate, within the request size limit.
enum BodyReader {
    /// How many times the limit a body over it is still read (and dropped) before the 413 goes out, so
    /// that a client that writes its whole body before reading the answer is not left blocked.
    static let drainFactor = 16

    /// The body's bytes; 413 past `limit` bytes (before or after inflating), 400 for a body that
    /// claims an encoding it does not have (truncated included), 415 for an encoding Strata does not read.
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        var buffer = ByteBuffer()
        var received = 0
        for try await part in request.body {
            received += part.readableBytes
            if received <= limit {
                buffer.writeImmutableBuffer(part)
            } else if received > limit * drainFactor {
                break
            }
        }
        guard received <= limit else { throw APIError.tooLarge("the request body is over the limit of \(limit) bytes") }
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces)
        let algorithm: CompressionAlgorithm
        switch encoding {
        case nil, "", "identity": return Array(buffer.readableBytesView)
        case "gzip", "x-gzip": algorithm = .gzip()
        case "deflate": algorithm = .deflate()
        case .some(let other):
            throw APIError(
                .unsupportedMediaType, "unsupported_encoding",
                "Content-Encoding \"\(other.prefix(40))\" is not supported; send gzip, deflate or no encoding")
        }
        // Inflating stops at the end of the compressed stream, so a byte put after the body is left
        // unread only when the stream is whole: a truncated one reads it as more data.
        buffer.writeInteger(UInt8(0))
        let inflated: ByteBuffer
        do {
            inflated = try buffer.decompress(with: algorithm, maxSize: limit + 1)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw APIError.tooLarge("the request body inflates to more than the limit of \(limit) bytes")
        } catch {
            throw APIError(
                .badRequest, "invalid_encoding",
                "the body is not valid \(encoding ?? "") data, as its Content-Encoding header claims")
        }
        guard buffer.readableBytes == 1 else {
            throw APIError(
                .badRequest, "invalid_encoding",
                "the body is not whole \(encoding ?? "") data: the compressed stream is cut short or followed by other bytes"
            )
        }
        guard inflated.readableBytes <= limit else {
            throw APIError.tooLarge("the request body inflates to more than the limit of \(limit) bytes")
        }
        return Array(inflated.readableBytesView)
    }
}
