// Errors as OpenAI's API sends them: an HTTP status and `{"error": {"message", "type", "param", "code"}}`.
// Every bad request gets one of these with a message a person can act on; the server keeps running.
import Foundation

public struct APIError: Error, Equatable, Sendable {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Seconds, for 503 (queue full): sent as Retry-After.
    public var retryAfter: Int?

    public init(_ status: Int, _ message: String, type: String = "invalid_request_error", param: String? = nil,
                code: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    /// The JSON body.
    public var json: [String: Any] {
        ["error": ["message": message, "type": type, "param": param as Any? ?? NSNull(), "code": code as Any? ?? NSNull()]]
    }

    static func badField(_ name: String, _ want: String) -> APIError {
        APIError(400, "'\(name)' must be \(want)", param: name, code: "invalid_type")
    }
    static func outOfRange(_ name: String, _ range: String, _ got: Any) -> APIError {
        APIError(400, "'\(name)' must be in \(range), got \(got)", param: name, code: "invalid_value")
    }
    static let malformedJSON = APIError(400, "the body is not a JSON object (check quotes and commas)", code: "invalid_json")
    static let tooLarge = APIError(413, "the body is over the 1 MB limit", code: "request_too_large")
    static let noModel = APIError(503, "no model is loaded in the session (`model load PATH` in the shell)",
                                  type: "server_error", code: "no_model")
    static let stopping = APIError(503, "the server is stopping", type: "server_error", code: "server_stopping")
    static let badKey = APIError(401, "missing or wrong API key: send the header `Authorization: Bearer KEY` with the key `serve --api-key` was given",
                                 code: "invalid_api_key")
    static func unknownModel(_ name: String, known: [String]) -> APIError {
        APIError(404, "the model '\(name)' does not exist; GET /v1/models lists: \(known.joined(separator: ", "))",
                 param: "model", code: "model_not_found")
    }
}
