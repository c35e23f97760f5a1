import Glibc
import GreenletHTTP
import HTTPTypes

/// The answer `StaticFiles` decides for one request. The connection layer adds `Date`,
/// `Server` and `Connection`; every other field is here, `Content-Length` included (also
/// on a HEAD answer, whose body is `.none`; only a 304 has none).
///
/// The fields every file answer carries are typed, not `HTTPFields`: building five
/// `HTTPField`s (each value checked again, each name two Strings) and walking them to
/// write the head cost a seventh of a small file's request (docs/architecture.md).
/// `headerFields` shows them all as `HTTPFields`.
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
    public var contentType: String?
    /// nil only on a 304, which describes the body it does not send by its validators.
    public var contentLength: Int?
    public var lastModified: String?
    public var eTag: String?
    /// `Accept-Ranges: bytes`, on a file's answer.
    public var acceptsRanges = false
    /// What else the answer says: `Allow`, `Location`, `Content-Range`.
    public var otherFields: HTTPFields = [:]
    public var body: Body

    /// All the fields, in the order `appendFields` writes them.
    public var headerFields: HTTPFields {
        var fields = HTTPFields()
        if let contentType { fields[.contentType] = contentType }
        if let contentLength { fields[.contentLength] = String(contentLength) }
        if let lastModified { fields[.lastModified] = lastModified }
        if let eTag { fields[.eTag] = eTag }
        if acceptsRanges { fields[.acceptRanges] = "bytes" }
        fields.append(contentsOf: otherFields)
        return fields
    }

    /// Writes the fields into a head left open (`HTTPSerializer.appendStatusLine`).
    public func appendFields(to bytes: inout [UInt8]) {
        if let contentType { HTTPSerializer.appendField("Content-Type", contentType, to: &bytes) }
        if let contentLength { HTTPSerializer.appendField("Content-Length", decimal: contentLength, to: &bytes) }
        if let lastModified { HTTPSerializer.appendField("Last-Modified", lastModified, to: &bytes) }
        if let eTag { HTTPSerializer.appendField("ETag", eTag, to: &bytes) }
        if acceptsRanges { HTTPSerializer.appendField("Accept-Ranges", "bytes", to: &bytes) }
        HTTPSerializer.appendFields(otherFields, to: &bytes)
    }

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
    static func html(_ status: HTTPResponse.Status, _ bytes: [UInt8], _ otherFields: HTTPFields = [:]) -> StaticResponse {
        StaticResponse(status: status, contentType: MIMETypes.html, contentLength: bytes.count, otherFields: otherFields, body: .bytes(bytes))
    }

    /// A small HTML page that names the status, for errors and redirects.
    static func page(_ status: HTTPResponse.Status, _ otherFields: HTTPFields = [:]) -> StaticResponse {
        let title = "\(status.code) \(status.reasonPhrase)"
        let text = "<!DOCTYPE html>\n<html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>\n"
        return html(status, Array(text.utf8), otherFields)
    }
}
