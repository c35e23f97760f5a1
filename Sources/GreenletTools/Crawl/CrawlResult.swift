import Foundation
import GreenletHTTP

/// One URL's outcome, as `greenlet crawl` prints it: a text line, or a JSON object with
/// the keys `url`, `status`, `bytes`, `ms`, `sha256`, `error`, `final_url`, `attempts`. The
/// JSON form also carries results from worker processes to the parent (`workerLine`).
public struct CrawlResult: Sendable, Equatable {
    /// The line as given, trimmed. Printed with the password of a `user:password@`
    /// replaced by `***`.
    public var url: String
    /// The last status received; nil when no response came.
    public var status: Int?
    /// Body bytes after de-chunking (of the final response).
    public var bytes = 0
    public var milliseconds = 0.0
    /// Hex SHA-256 of the body; nil when the fetch failed.
    public var sha256: String?
    public var error: String?
    /// The URL that gave the reported response, after redirects.
    public var finalURL: String?
    /// Fetches it took: 1, plus one for each retry.
    public var attempts = 1
    /// Whether another attempt may help, and the least wait before it the server asked for
    /// (0 when it named none): nil for an outcome a retry would only repeat (a 2xx, a 404,
    /// an invalid URL, a certificate refused).
    var retryAfter: Double?
    /// The job it answers, in the parent's crawl.
    var jobID = 0

    public init(url: String) {
        self.url = url
    }

    /// An HTTP response arrived (any status) and nothing failed after it.
    public var isOK: Bool { error == nil }

    /// `STATUS BYTES MILLISECONDS URL`, or `ERR REASON URL`.
    public var textLine: String {
        let url = URLCredentials.redactingPassword(in: url)
        if let error { return "ERR \(error) \(url)" }
        return "\(status ?? 0) \(bytes) \(Int(milliseconds.rounded())) \(url)"
    }

    /// The JSON object on one line, keys sorted. Written directly rather than through
    /// JSONSerialization, which cost a queue worker more than half its CPU.
    public var jsonLine: String { json(forWorker: false) }

    /// `jsonLine` with what the parent decides a retry by, for a worker process's answer.
    var workerLine: String { json(forWorker: true) }

    private func json(forWorker: Bool) -> String {
        var line = "{\"attempts\":\(attempts),\"bytes\":\(bytes),\"error\":"
        Self.appendJSON(error, to: &line)
        line += ",\"final_url\":"
        Self.appendJSON(finalURL, to: &line)
        let ms = (milliseconds * 1000).rounded() / 1000
        // Integral values print as integers, as JSONSerialization printed them.
        line += ms == ms.rounded() && abs(ms) < 1e15 ? ",\"ms\":\(Int(ms))" : ",\"ms\":\(ms)"
        line += ",\"sha256\":"
        Self.appendJSON(sha256, to: &line)
        line += status.map { ",\"status\":\($0)" } ?? ",\"status\":null"
        line += ",\"url\":"
        Self.appendJSON(URLCredentials.redactingPassword(in: url), to: &line)
        if forWorker, let retryAfter { line += ",\"retry_after\":\(retryAfter)" }
        line += "}"
        return line
    }

    /// A JSON string (or null): quote, backslash and control characters escaped, the
    /// rest as it is, slashes included.
    private static func appendJSON(_ string: String?, to line: inout String) {
        guard let string else {
            line += "null"
            return
        }
        line += "\""
        // The usual string needs no escape: one scan of its bytes, one append.
        guard string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            line += string
            line += "\""
            return
        }
        var plain = string.unicodeScalars.startIndex
        for index in string.unicodeScalars.indices {
            let scalar = string.unicodeScalars[index]
            let escape: String
            switch scalar {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case "\u{08}": escape = "\\b"
            case "\u{0C}": escape = "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: continue
            }
            line.unicodeScalars.append(contentsOf: string.unicodeScalars[plain..<index])
            line += escape
            plain = string.unicodeScalars.index(after: index)
        }
        line.unicodeScalars.append(contentsOf: string.unicodeScalars[plain...])
        line += "\""
    }

    /// Reads a `jsonLine` back; nil when the line is not one.
    public init?(jsonLine line: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let url = object["url"] as? String, let bytes = object["bytes"] as? Int,
              let milliseconds = (object["ms"] as? NSNumber)?.doubleValue
        else { return nil }
        self.url = url
        self.bytes = bytes
        self.milliseconds = milliseconds
        status = object["status"] as? Int
        sha256 = object["sha256"] as? String
        error = object["error"] as? String
        finalURL = object["final_url"] as? String
        attempts = object["attempts"] as? Int ?? 1
        retryAfter = (object["retry_after"] as? NSNumber)?.doubleValue
    }
}
