import Foundation

/// One URL's outcome, as `greenlet crawl` prints it: a text line, or a JSON object with
/// the keys `url`, `status`, `bytes`, `ms`, `sha256`, `error`, `final_url`. The JSON form
/// also carries results from worker processes to the parent.
public struct CrawlResult: Sendable, Equatable {
    /// The line as given, trimmed.
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

    public init(url: String) {
        self.url = url
    }

    /// An HTTP response arrived (any status) and nothing failed after it.
    public var isOK: Bool { error == nil }

    /// `STATUS BYTES MILLISECONDS URL`, or `ERR REASON URL`.
    public var textLine: String {
        if let error { return "ERR \(error) \(url)" }
        return "\(status ?? 0) \(bytes) \(Int(milliseconds.rounded())) \(url)"
    }

    /// The JSON object on one line.
    public var jsonLine: String {
        let object: [String: Any] = [
            "url": url, "status": status ?? NSNull(), "bytes": bytes,
            "ms": (milliseconds * 1000).rounded() / 1000,
            "sha256": sha256 ?? NSNull(), "error": error ?? NSNull(), "final_url": finalURL ?? NSNull(),
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
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
    }
}
