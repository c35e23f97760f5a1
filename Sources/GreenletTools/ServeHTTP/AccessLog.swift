import GreenletHTTP
/// Access-log lines in the Common Log Format, one per request:
/// `127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a.txt HTTP/1.1" 200 2326`.
public final class AccessLog: Sendable {
    private let timestamp = CachedTimestamp(format: AccessLog.formatTime)

    public init() {}

    /// One log line, ending with a newline.
    /// - Parameters:
    ///   - client: the peer's numeric address.
    ///   - requestLine: the request line as received, without CRLF (`-` when none was read);
    ///     quotes, backslashes, control and non-ASCII bytes are written as `\xHH` so that a
    ///     client cannot forge log lines.
    ///   - bytes: body bytes sent; 0 is written `-`.
    ///   - second: the time of the request, in seconds since the Unix epoch.
    public func line(client: String, requestLine: String, status: Int, bytes: Int, at second: Int = CachedTimestamp.currentSecond()) -> String {
        "\(client) - - [\(timestamp.text(at: second))] \"\(Self.escaped(requestLine))\" \(status) \(bytes == 0 ? "-" : String(bytes))\n"
    }

    /// `10/Oct/2000:13:55:36 +0000`
    static func formatTime(_ secondsSince1970: Int) -> String {
        let time = CivilTime(secondsSince1970: secondsSince1970)
        return ASCIIWriter.string(capacity: 26) { out in
            out.appendDate(time, separator: "/")
            out.append(":")
            out.appendClock(time)
            out.append(" +0000")
        }
    }

    private static func escaped(_ text: String) -> String {
        func isPlain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") }
        if text.utf8.allSatisfy(isPlain) { return text }
        var result = ""
        for byte in text.utf8 {
            if isPlain(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                // nginx's escape: \x and two uppercase hex digits.
                result += "\\x"
                result.unicodeScalars.append(Unicode.Scalar(UInt8(hexDigit: Int(byte >> 4), uppercase: true)))
                result.unicodeScalars.append(Unicode.Scalar(UInt8(hexDigit: Int(byte & 0xF), uppercase: true)))
            }
        }
        return result
    }
}
