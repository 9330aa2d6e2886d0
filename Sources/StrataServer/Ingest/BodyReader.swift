import CompressNIO
import Foundation
import Hummingbird

/// Reads a request body whole, inflating gzip or deflate, within the request size limit.
enum BodyReader {
    /// The body's bytes; 413 past `limit` bytes (before or after inflating), 400 for a body that
    /// claims an encoding it does not have, 415 for an encoding Strata does not read.
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("the request body is over the limit of \(limit) bytes")
        }
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
        guard inflated.readableBytes <= limit else {
            throw APIError.tooLarge("the request body inflates to more than the limit of \(limit) bytes")
        }
        return Array(inflated.readableBytesView)
    }
}
