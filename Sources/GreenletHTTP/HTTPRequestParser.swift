import HTTPTypes

/// An incremental HTTP/1.1 request parser over bytes (sans-I/O): feed it what arrives, in
/// pieces of any size, and it reports each request's head, body pieces and end in order,
/// pipelined requests one after another.
///
/// Call `parse` with the unparsed input until it returns no event; keep the bytes it did not
/// consume (after an `end`, they are the next request's) and pass them again with more.
/// Head bytes are copied into an internal buffer; body pieces are slices of the input.
/// Strict by design (RFC 9112 §11.2): every framing ambiguity is an `HTTPParseError`, after
/// which the connection must close.
public struct HTTPRequestParser: Sendable {
    private var framer: MessageFramer

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        framer = MessageFramer(limits: limits)
    }

    /// True between requests, before any byte of the next one (empty lines aside): where a
    /// server may close a connection silently.
    public var isIdle: Bool { framer.state == .idle }

    /// The next event from `input`, and how many bytes of it were used.
    /// - Throws: `HTTPParseError`, now and on every later call.
    public mutating func parse(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPParseStep<HTTPRequestHead> {
        try framer.parse(input) { requestLine, fields throws(HTTPParseError) in
            let head = try HTTPRequestHead(requestLine: requestLine, headerFields: fields)
            return (head, try BodyFraming.request(fields, version: head.version))
        }
    }

    /// The peer closed its side: nil between requests.
    /// - Throws: `unexpectedEndOfInput` inside a request.
    public mutating func finish() throws(HTTPParseError) -> HTTPParseEvent<HTTPRequestHead>? {
        try framer.finish()
    }
}

extension HTTPRequestHead {
    /// `method SP request-target SP HTTP-version`, single spaces; then the Host rule of
    /// RFC 9112 §3.2 (exactly one in HTTP/1.1, at most one in HTTP/1.0).
    init(requestLine line: Bytes, headerFields: HTTPFields) throws(HTTPParseError) {
        guard let firstSpace = line.firstIndex(of: ASCII.space),
            let lastSpace = line.lastIndex(of: ASCII.space), lastSpace > firstSpace
        else { throw .invalidStartLine }
        let method = try HTTPRequest.Method(token: line.slice(0, firstSpace))
        let target = line.slice(firstSpace + 1, lastSpace)
        guard !target.isEmpty, target.allSatisfy(\.isVisibleASCII) else { throw .invalidTarget }
        let version = try HTTPVersion(parsing: line.slice(lastSpace + 1, line.count))
        let hosts = headerFields.lazy.filter { $0.name == .http1Host }.count
        guard hosts == 1 || (hosts == 0 && version == .http1_0) else { throw .invalidHost }
        self.init(
            method: method, target: String(decoding: target, as: UTF8.self), version: version,
            headerFields: headerFields)
    }
}

extension HTTPRequest.Method {
    /// GET and HEAD, most requests, are matched on the bytes: no String to make and compare.
    init(token bytes: Bytes) throws(HTTPParseError) {
        if bytes.elementsEqual(Self.getBytes) {
            self = .get
        } else if bytes.elementsEqual(Self.headBytes) {
            self = .head
        } else {
            guard bytes.allSatisfy(\.isToken), let method = Self(String(decoding: bytes, as: UTF8.self)) else {
                throw .invalidMethod
            }
            self = method
        }
    }

    private static let getBytes: [UInt8] = [0x47, 0x45, 0x54]
    private static let headBytes: [UInt8] = [0x48, 0x45, 0x41, 0x44]
}
