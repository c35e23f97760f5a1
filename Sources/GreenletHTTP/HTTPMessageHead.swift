import HTTPTypes

/// The protocol version of an HTTP/1 message.
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// A request line and its header fields.
public struct HTTPRequestHead: Hashable, Sendable {
    public var method: HTTPRequest.Method
    /// The request target exactly as sent (origin-form `/path?query` for most requests).
    public var target: String
    public var version: HTTPVersion
    public var headerFields: HTTPFields

    public init(
        method: HTTPRequest.Method,
        target: String,
        version: HTTPVersion = .http1_1,
        headerFields: HTTPFields = [:]
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headerFields = headerFields
    }

    /// Whether the connection stays open after this message (RFC 9112 §9.3).
    public var keepAlive: Bool { headerFields.keepsAlive(version) }

    /// What the request's `Expect` asks of the server before it sends its body (RFC 9110
    /// §10.1.1): nil without one, or in HTTP/1.0, where a server must ignore it.
    public var expectation: Expectation? {
        guard version != .http1_0, let value = headerFields[.expect] else { return nil }
        // A list (RFC 9110 §10.1.1), so repeated fields arrive joined by commas.
        let members = value.split(separator: ",").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }.filter { !$0.isEmpty }
        return !members.isEmpty && members.allSatisfy { $0 == "100-continue" } ? .continue : .unknown(value)
    }

    public enum Expectation: Hashable, Sendable {
        /// `100-continue`: the client waits for an interim 100, or a final answer.
        case `continue`
        /// Anything else, which a server answers 417.
        case unknown(String)
    }

    /// Whether a body follows the head: a Content-Length above 0, or any Transfer-Encoding.
    public var announcesBody: Bool {
        headerFields[.transferEncoding] != nil || (headerFields[.contentLength].flatMap { Int($0) } ?? 0) > 0
    }
}

/// A status line and its header fields.
public struct HTTPResponseHead: Hashable, Sendable {
    /// The status code with the reason phrase as received.
    public var status: HTTPResponse.Status
    public var version: HTTPVersion
    public var headerFields: HTTPFields

    public init(status: HTTPResponse.Status, version: HTTPVersion = .http1_1, headerFields: HTTPFields = [:]) {
        self.status = status
        self.version = version
        self.headerFields = headerFields
    }

    /// Whether the connection stays open after this message (RFC 9112 §9.3), as far as the
    /// head tells: a close-delimited body ends only when the server closes.
    public var keepAlive: Bool { headerFields.keepsAlive(version) }
}

extension HTTPFields {
    /// HTTP/1.1 keeps alive unless `Connection: close`; HTTP/1.0 closes unless
    /// `Connection: keep-alive`. `close` wins when a list has both.
    func keepsAlive(_ version: HTTPVersion) -> Bool {
        var close = false
        var keepAlive = false
        for field in self where field.name == .connection {
            field.withUnsafeBytesOfValue { value in
                forEachListElement(value) { token in
                    if token.equalsLowercase("close") { close = true }
                    if token.equalsLowercase("keep-alive") { keepAlive = true }
                }
            }
        }
        if close { return false }
        return version == .http1_1 || keepAlive
    }
}

extension HTTPVersion {
    /// `HTTP/DIGIT.DIGIT`; only 1.0 and 1.1 are spoken (RFC 9112 §2.3), others → 505.
    init(parsing bytes: Bytes) throws(HTTPParseError) {
        guard bytes.count == 8, bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50,
            bytes[4] == 0x2F, bytes[5].isDigit, bytes[6] == 0x2E, bytes[7].isDigit  // "HTTP/" DIGIT "." DIGIT
        else { throw .invalidVersion }
        self.init(major: Int(bytes[5] - 0x30), minor: Int(bytes[7] - 0x30))
        guard self == .http1_0 || self == .http1_1 else { throw .unsupportedVersion }
    }
}
