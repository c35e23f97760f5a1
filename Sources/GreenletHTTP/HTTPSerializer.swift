import HTTPTypes

/// Writes HTTP/1.1 message heads and chunked framing into a caller's byte array, appending,
/// field by field, without building Strings. What it writes is safe by construction:
/// swift-http-types has already turned CR, LF and NUL in field values and reason phrases
/// into spaces, and request targets are percent-encoded where they hold other bytes.
public enum HTTPSerializer {
    /// `HTTP/1.1 200 OK` CRLF, the fields, CRLF.
    public static func append(_ head: HTTPResponseHead, to bytes: inout [UInt8]) {
        appendStatusLine(head.status, version: head.version, to: &bytes)
        appendFields(head.headerFields, to: &bytes)
        appendCRLF(to: &bytes)
    }

    /// `HTTP/1.1 200 OK` CRLF alone, to start a head whose fields a server writes one by
    /// one (`appendField`, then `closeHead`): cheaper than building `HTTPFields` first.
    public static func appendStatusLine(_ status: HTTPResponse.Status, version: HTTPVersion = .http1_1, to bytes: inout [UInt8]) {
        appendVersion(version, to: &bytes)
        let code = status.code
        bytes.append(ASCII.space)
        bytes.append(UInt8(0x30 + code / 100 % 10))
        bytes.append(UInt8(0x30 + code / 10 % 10))
        bytes.append(UInt8(0x30 + code % 10))
        bytes.append(ASCII.space)
        bytes.append(contentsOf: status.reasonPhrase.utf8)
        appendCRLF(to: &bytes)
    }

    /// `name: value` CRLF, into a head left open. The caller vouches for the bytes: a
    /// value without CR, LF or NUL.
    public static func appendField(_ name: StaticString, _ value: String, to bytes: inout [UInt8]) {
        appendName(name, to: &bytes)
        bytes.append(contentsOf: value.utf8)
        appendCRLF(to: &bytes)
    }

    /// `name: value` CRLF with a decimal value (`Content-Length`), into a head left open.
    public static func appendField(_ name: StaticString, decimal value: Int, to bytes: inout [UInt8]) {
        appendName(name, to: &bytes)
        appendDecimal(value, to: &bytes)
        appendCRLF(to: &bytes)
    }

    /// `name: value` CRLF for each field, into a head left open.
    public static func appendFields(_ fields: HTTPFields, to bytes: inout [UInt8]) {
        for field in fields {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(ASCII.colon)
            bytes.append(ASCII.space)
            field.withUnsafeBytesOfValue { bytes.append(contentsOf: $0) }
            appendCRLF(to: &bytes)
        }
    }

    /// The CRLF that ends a head left open.
    public static func closeHead(to bytes: inout [UInt8]) {
        appendCRLF(to: &bytes)
    }

    /// `GET /path HTTP/1.1` CRLF, the fields, CRLF. Target bytes that cannot appear in a
    /// request line (controls, space, non-ASCII) are percent-encoded.
    public static func append(_ head: HTTPRequestHead, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: head.method.rawValue.utf8)
        bytes.append(ASCII.space)
        PercentEncoding.append(head.target.utf8, to: &bytes) { $0.isVisibleASCII }
        bytes.append(ASCII.space)
        appendVersion(head.version, to: &bytes)
        appendCRLF(to: &bytes)
        appendFields(head.headerFields, to: &bytes)
        appendCRLF(to: &bytes)
    }

    /// One chunk of a chunked body: size in hex, CRLF, the data, CRLF. Empty data writes
    /// nothing, since an empty chunk would end the body.
    public static func appendChunk(_ data: some Collection<UInt8>, to bytes: inout [UInt8]) {
        guard !data.isEmpty else { return }
        bytes.append(contentsOf: String(data.count, radix: 16).utf8)
        appendCRLF(to: &bytes)
        bytes.append(contentsOf: data)
        appendCRLF(to: &bytes)
    }

    /// The last chunk (`0` CRLF), the trailer fields, and the final CRLF.
    public static func appendLastChunk(trailers: HTTPFields = [:], to bytes: inout [UInt8]) {
        bytes.append(0x30)
        appendCRLF(to: &bytes)
        appendFields(trailers, to: &bytes)
        appendCRLF(to: &bytes)
    }

    private static func appendName(_ name: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(ASCII.colon)
        bytes.append(ASCII.space)
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value >= 10 else { return bytes.append(UInt8(0x30 + max(0, value))) }
        appendDecimal(value / 10, to: &bytes)
        bytes.append(UInt8(0x30 + value % 10))
    }

    private static func appendVersion(_ version: HTTPVersion, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "HTTP/".utf8)
        bytes.append(UInt8(0x30 + version.major % 10))
        bytes.append(0x2E)
        bytes.append(UInt8(0x30 + version.minor % 10))
    }

    private static func appendCRLF(to bytes: inout [UInt8]) {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

}
