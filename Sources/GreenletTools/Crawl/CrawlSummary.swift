/// The crawl's last line: `crawled N urls in S.SSs (mode M, concurrency C): A ok, F failed`.
public struct CrawlSummary: Sendable, Equatable {
    public let mode: CrawlMode
    public let concurrency: Int
    public var ok = 0
    public var failed = 0
    public var seconds = 0.0
    /// SIGINT or SIGTERM stopped the crawl before every URL had its result.
    public var interrupted = false

    public var crawled: Int { ok + failed }

    mutating func count(_ result: CrawlResult) {
        if result.isOK { ok += 1 } else { failed += 1 }
    }

    public var line: String {
        let time = (seconds * 100).rounded() / 100
        return "crawled \(crawled) urls in \(String(format2: time))s (mode \(mode.rawValue), concurrency \(concurrency)): \(ok) ok, \(failed) failed"
    }
}

extension String {
    /// Two decimals, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
