import Hummingbird
import StrataCore

/// An error answered as JSON: `{"error": {"code": ..., "message": ...}}` with an HTTP status.
struct APIError: Error, HTTPResponseError {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// A stable machine-readable code.
    var code: String
    /// What went wrong, for people.
    var message: String
    /// More detail (the checker's diagnostics, say).
    var details: [String: JSONValue] = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: JSONValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        error.merge(details) { own, _ in own }
        return Response.json(.object(["error": .object(error)]), status: status)
    }

    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, "unauthorized", message) }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }

    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "too_large", message) }
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        bytes.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A plain-text response of a media type.
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
