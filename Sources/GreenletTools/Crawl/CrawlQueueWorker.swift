import Glibc
import Greenlet
import GreenletRedis

/// `greenlet crawl --queue URL`: one of any number of workers, on any machines, that
/// share a `CrawlFrontier`. It claims at most `concurrency` URLs at a time, fetches them
/// with the crawler (any mode, the same code as a local crawl), and stores each result
/// as it completes, acknowledging its claim.
///
/// One green thread talks to Redis, in a loop: store what finished, claim as many URLs
/// as there are free slots (new ones, and every `claimTimeout / 4` the claims a dead worker
/// left), tell the others it is alive on what it holds, then wait for a result. Redis
/// going away stops only that loop: the fetches go on, their results wait in memory and
/// are stored once the reconnector gets through. A URL is lost by no failure; a fetch may
/// run twice (a claim taken over from a worker that was only slow), and the frontier
/// keeps the first result.
public final class CrawlQueueWorker: Sendable {
    public struct Options: Sendable {
        /// Seconds a claim may stay without a result or a sign of life before another
        /// worker takes it over.
        public var claimTimeout: Double
        /// Keep waiting for URLs when the frontier is empty, instead of exiting.
        public var wait: Bool
        /// This worker's name in the consumer group; unique per process.
        public var name: String

        public init(claimTimeout: Double = 60, wait: Bool = false, name: String = CrawlQueueWorker.uniqueName()) {
            self.claimTimeout = claimTimeout
            self.wait = wait
            self.name = name
        }
    }

    let crawler: Crawler
    let redisURL: RedisURL
    let frontier: CrawlFrontier
    let options: Options

    public init(crawler: Crawler, redis: RedisURL, frontier: CrawlFrontier, options: Options) {
        self.crawler = crawler
        redisURL = redis
        self.frontier = frontier
        self.options = options
    }

    /// Works on a hub started on the calling thread until the frontier is empty and
    /// nothing is in flight anywhere (never, with `wait`). `report` gets each result this
    /// worker stored, `warn` each line about Redis coming and going.
    ///
    /// SIGINT: the fetches stop, what finished is stored, every other claim is released
    /// for the next worker; the summary says `interrupted`. SIGTERM: no more claims; the
    /// fetches under way finish and are stored (a second signal stops them as SIGINT does).
    /// - Throws: `RedisError` when Redis cannot be reached at the start, or says no.
    public func run(report: sending @escaping (CrawlResult) -> Void, warn: @escaping @Sendable (String) -> Void) throws -> Report {
        let started = MonotonicClock.now()
        let concurrency = crawler.options.mode.effectiveConcurrency(max(1, crawler.options.concurrency))
        var report = try Hub.run { [self] in
            let redis = RedisReconnector(url: redisURL, client: try await RedisClient.connect(redisURL), warn: warn)
            defer { redis.close() }
            try await redis.run { try await frontier.register(worker: options.name, on: $0) }
            var loop = Loop(worker: self, redis: redis, concurrency: concurrency, report: report)
            return try await loop.run()
        }
        report.summary.seconds = Double(MonotonicClock.now() - started) / 1e9
        return report
    }

    /// What a worker did: the crawl's summary of the results it stored, and the round trips
    /// to Redis it took.
    public struct Report: Sendable {
        public var summary: CrawlSummary
        public var roundTrips: Int
        /// SIGTERM ended the work (SIGINT says `summary.interrupted`).
        public var terminated = false

        public var line: String { "\(summary.line); \(roundTrips) redis round trips" }
    }

    /// `HOST-PID-RANDOM`: readable in `XINFO CONSUMERS`, and unique even for a process that
    /// reuses the pid of a dead worker whose claims are still pending.
    public static func uniqueName() -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(hostName)-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// The loop's state, on the worker's hub.
    private struct Loop {
        let worker: CrawlQueueWorker
        let redis: RedisReconnector
        let concurrency: Int
        let report: (CrawlResult) -> Void
        let jobs = Queue<CrawlJob>()
        let results = Queue<CrawlResult>()
        /// Claimed and not yet stored, by URL (the frontier holds each URL once).
        var held: [String: CrawlFrontier.Claim] = [:]
        /// Fetched, waiting to be stored.
        var finished: [CrawlResult] = []
        /// Where the next scan for stale claims starts, and when it is due.
        var cursor = "0-0"
        var nextTakeOver: UInt64 = 0
        /// `redis.losses` when the worker last adopted its own pending claims.
        var lossesSeen = 0
        var nextRefresh: UInt64

        init(worker: CrawlQueueWorker, redis: RedisReconnector, concurrency: Int, report: @escaping (CrawlResult) -> Void) {
            self.worker = worker
            self.redis = redis
            self.concurrency = concurrency
            self.report = report
            nextRefresh = MonotonicClock.now() + Self.nanoseconds(worker.options.claimTimeout / 3)
        }

        private var frontier: CrawlFrontier { worker.frontier }
        private var name: String { worker.options.name }

        mutating func run() async throws -> Report {
            var summary = CrawlSummary(mode: worker.crawler.options.mode, concurrency: concurrency)
            // Set by the signal handler, which runs between the loop's waits: flags of
            // their own, never `summary`, which the loop holds across waits.
            var interrupted = false
            var terminated = false
            let results = results
            let jobs = jobs
            let watcher = SignalWatcher([SIGINT, SIGTERM]) { signal in
                if signal == SIGTERM && !terminated && !interrupted {
                    terminated = true
                    jobs.close()
                } else {
                    interrupted = true
                    results.close()
                }
            }
            defer { watcher.cancel() }
            let fetchers = spawn("crawl fetchers") { [worker, concurrency] in
                try await worker.crawler.fetch(CrawlJobSource(jobs: jobs, demand: nil), workers: concurrency, into: results)
            }
            defer { fetchers.kill() }

            while !interrupted {
                try await store(into: &summary)
                let claimed = terminated ? false : try await claimMore()
                // Idle, a worker looks again after 0.2 s; while others hold the last
                // claims of the crawl, every 50 ms, so that it exits soon after they do.
                var idle = 0.2
                if held.isEmpty && !claimed {
                    if terminated { break }
                    if !worker.options.wait {
                        if try await redis.run({ try await frontier.remaining(on: $0) }) == 0 { break }
                        idle = 0.05
                    }
                }
                try await refreshIfDue()
                await awaitResults(timeout: held.isEmpty ? idle : 0.5)
            }
            summary.interrupted = interrupted
            if interrupted { await giveBack(into: &summary) }
            return Report(summary: summary, roundTrips: redis.roundTrips, terminated: terminated && !interrupted)
        }

        /// Stores what finished, in one round trip.
        private mutating func store(into summary: inout CrawlSummary) async throws {
            guard !finished.isEmpty else { return }
            let completed = finished.compactMap { result in held[result.url].map { (claim: $0, result: result) } }
            _ = try await redis.run { try await frontier.store(completed, on: $0) }
            for (claim, result) in completed {
                held[claim.url] = nil
                summary.count(result)
                report(result)
            }
            finished.removeAll()
        }

        /// Claims up to the free slots; true when any came.
        private mutating func claimMore() async throws -> Bool {
            let free = concurrency - held.count
            guard free > 0 else { return false }
            var claims: [CrawlFrontier.Claim] = []
            if MonotonicClock.now() >= nextTakeOver {
                let scan = try await redis.run { [cursor] in
                    try await frontier.takeOver(idleFor: worker.options.claimTimeout, count: free, for: name, from: cursor, on: $0)
                }
                claims = scan.claims
                cursor = scan.cursor
                if cursor == "0-0" { nextTakeOver = MonotonicClock.now() + Self.nanoseconds(worker.options.claimTimeout / 4) }
            }
            if redis.losses != lossesSeen {
                // A claim whose reply was lost is pending for this worker and held by no
                // fetch: adopt it now rather than after the claim timeout.
                lossesSeen = redis.losses
                let pending = try await redis.run { [concurrency] in
                    try await frontier.pending(count: 2 * concurrency, for: name, on: $0)
                }
                claims += pending.filter { held[$0.url] == nil }
            }
            if claims.count < free {
                let wanted = free - claims.count
                claims += try await redis.run { try await frontier.claim(count: wanted, for: name, on: $0) }
            }
            var added = false
            // A claim of this worker's own that looked stale comes back: it is running.
            for claim in claims where held[claim.url] == nil {
                held[claim.url] = claim
                _ = try? jobs.tryPut(CrawlJob(id: 0, line: claim.url))
                added = true
            }
            return added
        }

        /// Resets the idle time of every claim held, a few times per claim timeout.
        private mutating func refreshIfDue() async throws {
            let now = MonotonicClock.now()
            guard now >= nextRefresh else { return }
            nextRefresh = now + Self.nanoseconds(worker.options.claimTimeout / 3)
            let ids = held.values.map(\.id)
            try await redis.run { try await frontier.refresh(ids, for: name, on: $0) }
        }

        /// Waits up to `timeout` seconds for a result, then takes every other one ready.
        private mutating func awaitResults(timeout: Double) async {
            guard let first = try? await results.get(timeout: timeout) else { return }
            finished.append(first)
            while let more = try? results.tryGet() { finished.append(more) }
        }

        /// After SIGINT: what finished is stored, the rest released, each with a few
        /// seconds to get through; what does not is taken over after the claim timeout.
        private mutating func giveBack(into summary: inout CrawlSummary) async {
            while let more = try? results.tryGet() { finished.append(more) }
            let completed = finished.compactMap { result in held[result.url].map { (claim: $0, result: result) } }
            for (claim, _) in completed { held[claim.url] = nil }
            let released = held.values.map(\.id)
            let (redis, frontier, name) = (redis, frontier, name)
            let stored: Void? = try? await withTimeout(seconds: 3) {
                try await redis.run { _ = try await frontier.store(completed, on: $0) }
            }
            if stored != nil {
                for (_, result) in completed {
                    summary.count(result)
                    report(result)
                }
            }
            _ = try? await withTimeout(seconds: 3) {
                try await redis.run { try await frontier.release(released, for: name, on: $0) }
            }
        }

        private static func nanoseconds(_ seconds: Double) -> UInt64 {
            UInt64(max(0.05, seconds) * 1e9)
        }
    }
}
