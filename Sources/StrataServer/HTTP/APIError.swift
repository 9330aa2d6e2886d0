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
    /// Headers the answer carries (`Retry-After`).
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: JSONValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        error.merge(details) { own, _ in own }
        var response = Response.json(.object(["error": .object(error)]), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, "unauthorized", message) }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }

    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "too_large", message) }

    /// 503 with `Retry-After: 1`: the server is too far behind to take more now.
    static func overloaded(_ message: String) -> APIError {
        var error = APIError(.serviceUnavailable, "overloaded", message)
        error.headers[.retryAfter] = "1"
        return error
    }
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

    /// A JSON response read from the recorded memberships: the instant they are current to goes in the
    /// `Strata-Current-To` header and, when the value is an object, in its `current_to` field.
    static func json(_ value: JSONValue, currentTo: Int64, status: HTTPResponse.Status = .ok) -> Response {
        var value = value
        if case .object(var object) = value {
            object["current_to"] = .string(Instant.format(currentTo))
            value = .object(object)
        }
        return json(value, status: status).current(to: currentTo)
    }

    /// The response with the `Strata-Current-To` header: the instant the memberships it answers from
    /// are current to.
    func current(to instant: Int64) -> Response {
        var response = self
        if let name = HTTPFields.Element.Name("Strata-Current-To") { response.headers[name] = Instant.format(instant) }
        return response
    }

    /// A plain-text response of a media type.
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
