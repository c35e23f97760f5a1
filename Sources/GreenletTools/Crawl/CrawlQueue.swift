import Glibc
import Greenlet
import GreenletRedis

/// The roles of `greenlet crawl --queue` besides the worker (`CrawlQueueWorker`): adding
/// URLs to a frontier, reading its results, counting. Each runs on a hub started on the
/// calling thread, connects once (an unreachable server is an error at the start), and
/// reconnects if the server goes away later.
public struct CrawlQueue: Sendable {
    /// The server, without the frontier's name in its path.
    public let redis: RedisURL
    public let frontier: CrawlFrontier

    public init(redis: RedisURL, frontier: CrawlFrontier) {
        self.redis = redis
        self.frontier = frontier
    }

    /// Adds the URLs never queued before; returns how many were new.
    public func enqueue(_ urls: [String], warn: @escaping @Sendable (String) -> Void) throws -> Int {
        try Hub.run { [self] in
            let reconnector = RedisReconnector(url: redis, client: try await RedisClient.connect(redis), warn: warn)
            defer { reconnector.close() }
            return try await reconnector.run { try await frontier.enqueue(urls, on: $0) }
        }
    }

    public func status() throws -> CrawlFrontier.Status {
        try Hub.run { [self] in
            let client = try await RedisClient.connect(redis)
            defer { client.close() }
            return try await frontier.status(on: client)
        }
    }

    /// Hands every stored result to `report`, oldest first; with `follow`, goes on with
    /// each new one as it is stored, until SIGINT or SIGTERM. Returns the signal that ended
    /// it, if one did.
    public func results(follow: Bool, report: @escaping @Sendable (CrawlResult) -> Void, warn: @escaping @Sendable (String) -> Void) throws -> Int32? {
        try Hub.run { [self] in
            let reconnector = RedisReconnector(url: redis, client: try await RedisClient.connect(redis), warn: warn)
            defer { reconnector.close() }
            var signal: Int32?
            let reader = spawn("results reader") { [frontier] in
                var last = "0-0"
                var caughtUp = false
                while true {
                    let batch = try await reconnector.run { [last, caughtUp] in
                        try await frontier.results(after: last, wait: caughtUp ? 1 : nil, on: $0)
                    }
                    for (id, result) in batch {
                        report(result)
                        last = id
                    }
                    if batch.isEmpty && !follow { return }
                    caughtUp = batch.isEmpty || caughtUp
                }
            }
            let watcher = SignalWatcher([SIGINT, SIGTERM]) { received in
                signal = received
                reader.kill()
            }
            defer { watcher.cancel() }
            do {
                try await reader.value
            } catch is CancellationError where signal != nil {}
            return signal
        }
    }
}
