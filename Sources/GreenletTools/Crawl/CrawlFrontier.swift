import GreenletRedis

/// A crawl's frontier kept in Redis, so that workers on any number of machines share it:
/// a stream of URLs to fetch (read by a consumer group), and the set of every URL ever
/// queued, which keeps a URL from being queued twice.
///
/// Keys, for frontier NAME: `greenlet:crawl:NAME:seen` (set), `greenlet:crawl:NAME:frontier`
/// (stream, one field `url` per entry, consumer group `workers`).
public struct CrawlFrontier: Sendable {
    public let name: String
    let seenKey: String
    let frontierKey: String
    public static let group = "workers"

    public init(name: String) {
        self.name = name
        seenKey = "greenlet:crawl:\(name):seen"
        frontierKey = "greenlet:crawl:\(name):frontier"
    }

    /// Adds to the frontier each URL never queued before, in order; returns how many were
    /// new. Each URL's check and add is one atomic script, so enqueuers racing on other
    /// machines add it once between them; the URLs go in pipelines of `batch`.
    public func enqueue(_ urls: [String], on redis: RedisClient, batch: Int = 500) async throws -> Int {
        try await createGroup(on: redis)
        var added = 0
        var start = 0
        while start < urls.count {
            let chunk = urls[start..<min(start + batch, urls.count)]
            let replies = try await redis.pipeline(chunk.map { url in
                ["EVAL", Self.addIfNew, "2", seenKey, frontierKey, url]
            })
            for reply in replies { added += try reply.get().int ?? 0 }
            start += batch
        }
        return added
    }

    /// The number of URLs ever queued.
    public func queuedEver(on redis: RedisClient) async throws -> Int {
        try await redis.command("SCARD", seenKey).int ?? 0
    }

    /// Creates the stream and its consumer group, reading from the first entry; one that
    /// exists already is kept.
    func createGroup(on redis: RedisClient) async throws {
        do {
            _ = try await redis.command("XGROUP", "CREATE", frontierKey, Self.group, "0", "MKSTREAM")
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// KEYS[1] the seen set, KEYS[2] the stream, ARGV[1] the URL: 1 when it was added.
    static let addIfNew = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
          redis.call('XADD', KEYS[2], '*', 'url', ARGV[1])
          return 1
        end
        return 0
        """
}
