import HTTPTypes

/// An incremental HTTP/1.1 response parser over bytes (sans-I/O), the client's counterpart of
/// `HTTPRequestParser`, with the same calling pattern.
///
/// Whether a response has a body depends on the request (RFC 9112 §6.3): set
/// `requestMethod` before each response's head arrives. Interim responses (1xx but 101) are
/// skipped. After a 101 or a 2xx to CONNECT the bytes are no longer HTTP: stop parsing.
/// A response with neither Content-Length nor chunked coding ends when the server closes:
/// call `finish()` at end of input to get its `end`.
public struct HTTPResponseParser: Sendable {
    private var framer: MessageFramer
    /// The method of the request the next response answers.
    public var requestMethod: HTTPRequest.Method

    /// By default the body has no size limit; a client sets one to bound its memory.
    public init(
        requestMethod: HTTPRequest.Method = .get,
        limits: HTTPParserLimits = HTTPParserLimits(maxBodyLength: .max)
    ) {
        self.requestMethod = requestMethod
        framer = MessageFramer(limits: limits)
    }

    /// The next event from `input`, and how many bytes of it were used.
    /// - Throws: `HTTPParseError`, now and on every later call.
    public mutating func parse(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPParseStep<HTTPResponseHead> {
        let method = requestMethod
        return try framer.parse(input) { statusLine, fields throws(HTTPParseError) in
            let head = try HTTPResponseHead(statusLine: statusLine, headerFields: fields)
            if head.status.kind == .informational && head.status.code != 101 { return nil }
            return (head, try BodyFraming.response(fields, version: head.version, status: head.status, requestMethod: method))
        }
    }

    /// The server closed: the end of a close-delimited body, or nil between responses.
    /// - Throws: `unexpectedEndOfInput` inside a response of known length.
    public mutating func finish() throws(HTTPParseError) -> HTTPParseEvent<HTTPResponseHead>? {
        try framer.finish()
    }
}

extension HTTPResponseHead {
    /// `HTTP-version SP 3DIGIT SP [reason]`; a missing space after the code is tolerated, as
    /// some servers send `HTTP/1.1 200` bare.
    init(statusLine line: Bytes, headerFields: HTTPFields) throws(HTTPParseError) {
        guard line.count >= 12, line[8] == ASCII.space, line.count == 12 || line[12] == ASCII.space else {
            throw .invalidStartLine
        }
        let version = try HTTPVersion(parsing: line.slice(0, 8))
        let digits = line.slice(9, 12)
        guard digits.allSatisfy(\.isDigit), digits[0] != 0x30 else { throw .invalidStatus }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let reason = line.count > 13 ? line.slice(13, line.count) : Bytes(start: nil, count: 0)
        guard reason.allSatisfy(\.isFieldContent) else { throw .invalidStartLine }
        self.init(
            status: HTTPResponse.Status(code: code, reasonPhrase: String(decoding: reason, as: UTF8.self)),
            version: version, headerFields: headerFields)
    }
}
