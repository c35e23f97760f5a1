import Glibc
import HTTPTypes

/// The answer `StaticFiles` decides for one request. The connection layer adds `Date`,
/// `Server` and `Connection`; every other field is here, `Content-Length` included (also
/// on a HEAD answer, whose body is `.none`; only a 304 has none).
public struct StaticResponse: Sendable {
    public enum Body: Sendable, Equatable {
        case none
        /// A generated page: an error, a redirect, a directory listing.
        case bytes([UInt8])
        /// An open regular file: the caller sends `length` (more than 0) bytes from `offset`,
        /// with `sendfile`, and closes `descriptor`, also when the connection fails first.
        case file(descriptor: Int32, offset: Int, length: Int)
    }

    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: Body

    /// The bytes the body holds, for the access log.
    public var bodyCount: Int {
        switch body {
        case .none: 0
        case .bytes(let bytes): bytes.count
        case .file(_, _, let length): length
        }
    }

    /// Closes a file body's descriptor, and leaves no body (a HEAD answer, a failed send).
    public mutating func dropBody() {
        if case .file(let descriptor, _, _) = body { close(descriptor) }
        body = .none
    }
}

extension StaticResponse {
    /// An HTML page of `bytes`.
    static func html(_ status: HTTPResponse.Status, _ bytes: [UInt8], _ extraFields: HTTPFields = [:]) -> StaticResponse {
        var fields: HTTPFields = [.contentType: MIMETypes.html, .contentLength: String(bytes.count)]
        fields.append(contentsOf: extraFields)
        return StaticResponse(status: status, headerFields: fields, body: .bytes(bytes))
    }

    /// A small HTML page that names the status, for errors and redirects.
    static func page(_ status: HTTPResponse.Status, _ extraFields: HTTPFields = [:]) -> StaticResponse {
        let title = "\(status.code) \(status.reasonPhrase)"
        let text = "<!DOCTYPE html>\n<html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>\n"
        return html(status, Array(text.utf8), extraFields)
    }
}
