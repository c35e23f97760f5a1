import GreenletHTTP

/// One URL line of a crawl on its way to a fetcher, and back for another attempt.
public struct CrawlJob: Sendable, Equatable {
    /// The line's place in the list: lines may repeat, their jobs do not.
    public let id: Int
    public let line: String
    /// The host the per-host limits count it against (parsed once); nil for a line that is
    /// not a URL, which fails without a connection.
    public let host: String?
    /// 1 for the first fetch, one more for each retry.
    public var attempt: Int

    public init(id: Int, line: String, attempt: Int = 1) {
        self.id = id
        self.line = line
        self.attempt = attempt
        host = (try? HTTPURL(parsing: line))?.host
    }
}
