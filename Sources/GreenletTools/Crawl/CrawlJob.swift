/// One URL line of a crawl on its way to a fetcher, and back for another attempt.
public struct CrawlJob: Sendable, Equatable {
    /// The line's place in the list: lines may repeat, their jobs do not.
    public let id: Int
    public let line: String
    /// 1 for the first fetch, one more for each retry.
    public var attempt = 1

    public init(id: Int, line: String, attempt: Int = 1) {
        self.id = id
        self.line = line
        self.attempt = attempt
    }
}
