/// When a crawl tries a URL again: after a connection failure, a timeout, a 429 or a 5xx,
/// at most `retries` times, never after any other 4xx. The wait doubles from `baseDelay`
/// with jitter (half to all of it, so that URLs that failed together do not come back
/// together), unless the server named one in `Retry-After`; either is capped at
/// `maxDelay`.
public struct RetryPolicy: Sendable, Equatable {
    public var retries: Int
    /// Seconds before the first retry.
    public var baseDelay: Double
    /// The longest wait, whatever the backoff or the server asks.
    public static let maxDelay = 60.0

    public init(retries: Int = 0, baseDelay: Double = 1) {
        self.retries = retries
        self.baseDelay = baseDelay
    }

    /// Seconds to wait before trying `result`'s URL again; nil when it is final.
    /// - Parameter jitter: a number in 0..<1.
    func delay(after result: CrawlResult, jitter: Double = .random(in: 0..<1)) -> Double? {
        guard result.attempts <= retries, let asked = result.retryAfter else { return nil }
        if asked > 0 { return min(asked, Self.maxDelay) }
        let backoff = min(baseDelay * Double(1 << min(result.attempts - 1, 30)), Self.maxDelay)
        return backoff * (0.5 + 0.5 * jitter)
    }
}
