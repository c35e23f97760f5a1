import HTTPTypes

/// Why a message was rejected. After an error the parser throws it again on every call: the
/// framing of what follows is unknown, so the connection must close (after the response that
/// `status` names, for a server).
public enum HTTPParseError: Error, Hashable, Sendable {
    /// The request line (status line, for a response) is longer than its limit.
    case startLineTooLong
    /// The field lines after the start line (or the trailer section) exceed their byte limit.
    case headerBlockTooLarge
    /// More field lines than the limit allows.
    case tooManyHeaderFields
    /// The body (decoded, for chunked) exceeds its limit.
    case bodyTooLarge
    /// The start line is not `method SP target SP version` or `version SP code SP reason`.
    case invalidStartLine
    /// The method is not a token.
    case invalidMethod
    /// The request target is empty or holds a byte outside visible ASCII.
    case invalidTarget
    /// The version is not `HTTP/DIGIT.DIGIT`.
    case invalidVersion
    /// A well-formed version other than HTTP/1.0 and HTTP/1.1.
    case unsupportedVersion
    /// The status code is not three digits from 100 to 999.
    case invalidStatus
    /// A field name that is empty or not a token (a space before the colon included).
    case invalidFieldName
    /// A field value with a control character: NUL, bare CR, DEL, …
    case invalidFieldValue
    /// A field line that starts with whitespace (obs-fold, RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A line ended by LF alone; only CRLF ends a line.
    case bareLineFeed
    /// An HTTP/1.1 request without Host, or any request with more than one.
    case invalidHost
    /// Content-Length that is not digits, or several that differ.
    case invalidContentLength
    /// Content-Length and Transfer-Encoding together (RFC 9112 §6.3, a smuggling vector).
    case contentLengthWithTransferEncoding
    /// A request's Transfer-Encoding that does not end in a single `chunked`, or any
    /// Transfer-Encoding in an HTTP/1.0 message.
    case invalidTransferEncoding
    /// A request's transfer coding other than `chunked` (gzip, identity, …).
    case unsupportedTransferCoding
    /// A chunk size that is not hex digits or does not fit in 60 bits.
    case invalidChunkSize
    /// A chunk extension that is not `;name[=value]` with tokens or quoted strings, or a
    /// chunk-size line longer than 4 KiB.
    case invalidChunkExtension
    /// Chunk data not followed by CRLF.
    case missingChunkDataTerminator
    /// The input ended inside a message.
    case unexpectedEndOfInput

    /// The response a server sends before closing.
    public var status: HTTPResponse.Status {
        switch self {
        case .startLineTooLong: .uriTooLong
        case .headerBlockTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        default: .badRequest
        }
    }
}

extension HTTPParseError: CustomStringConvertible {
    /// A few lowercase words, for a client's error text ("malformed response: …").
    public var description: String {
        switch self {
        case .startLineTooLong: "start line too long"
        case .headerBlockTooLarge: "header block too large"
        case .tooManyHeaderFields: "too many header fields"
        case .bodyTooLarge: "body too large"
        case .invalidStartLine: "invalid start line"
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request target"
        case .invalidVersion: "invalid version"
        case .unsupportedVersion: "unsupported version"
        case .invalidStatus: "invalid status code"
        case .invalidFieldName: "invalid field name"
        case .invalidFieldValue: "invalid field value"
        case .obsoleteLineFolding: "obsolete line folding"
        case .bareLineFeed: "bare line feed"
        case .invalidHost: "invalid host field"
        case .invalidContentLength: "invalid content-length"
        case .contentLengthWithTransferEncoding: "content-length with transfer-encoding"
        case .invalidTransferEncoding: "invalid transfer-encoding"
        case .unsupportedTransferCoding: "unsupported transfer coding"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkExtension: "invalid chunk extension"
        case .missingChunkDataTerminator: "chunk data without its crlf"
        case .unexpectedEndOfInput: "connection closed mid-message"
        }
    }
}
