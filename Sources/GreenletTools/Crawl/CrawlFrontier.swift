import GreenletRedis

/// A crawl's frontier kept in Redis, so that workers on any number of machines share it.
///
/// Keys, for frontier NAME, all under `greenlet:crawl:NAME:`:
/// - `frontier`: a stream of URLs to fetch (field `url`), read by the consumer group
///   `workers`: each entry is delivered to one worker and stays pending, owned by it,
///   until its result is stored; then it is acknowledged and deleted, so the stream's
///   length is what is left to do (queued or in flight).
/// - `seen`: every URL ever queued, which keeps a URL from being queued twice.
/// - `done`: every URL whose result is stored, which keeps a URL from getting two results
///   when a slow worker and the one that took its claim over both finish.
/// - `results`: a stream of results (field `result`, the `--json` object).
/// - `stats` (hash: `done`, `failed`) and `workers` (set of worker names seen).
public struct CrawlFrontier: Sendable {
    public let name: String
    let seenKey: String
    let frontierKey: String
    let doneKey: String
    let resultsKey: String
    let statsKey: String
    let workersKey: String
    public static let group = "workers"

    public init(name: String) {
        self.name = name
        let prefix = "greenlet:crawl:\(name):"
        seenKey = prefix + "seen"
        frontierKey = prefix + "frontier"
        doneKey = prefix + "done"
        resultsKey = prefix + "results"
        statsKey = prefix + "stats"
        workersKey = prefix + "workers"
    }

    /// A URL handed to a worker: its entry in the frontier stream, pending until stored.
    public struct Claim: Sendable, Equatable {
        public let id: String
        public let url: String
    }

    /// One line of counts for `--status`.
    public struct Status: Sendable, Equatable, CustomStringConvertible {
        /// In the frontier, not yet handed to a worker.
        public var queued = 0
        /// Handed to a worker, no result stored yet (a dead worker's claims included).
        public var inFlight = 0
        public var done = 0
        public var failed = 0
        public var workersSeen = 0

        public init(queued: Int = 0, inFlight: Int = 0, done: Int = 0, failed: Int = 0, workersSeen: Int = 0) {
            self.queued = queued
            self.inFlight = inFlight
            self.done = done
            self.failed = failed
            self.workersSeen = workersSeen
        }

        public var description: String {
            "queued \(queued), in flight \(inFlight), done \(done), failed \(failed), workers seen \(workersSeen)"
        }
    }

    // MARK: - Enqueuing

    /// Adds to the frontier each URL never queued before, in order; returns how many were
    /// new. Each URL's check and add is one atomic script, so enqueuers racing on other
    /// machines add it once between them; the URLs go in pipelines of `batch`.
    public func enqueue(_ urls: [String], on redis: RedisClient, batch: Int = 500) async throws -> Int {
        try await createGroup(on: redis)
        var added = 0
        for start in stride(from: 0, to: urls.count, by: batch) {
            let replies = try await redis.pipeline(urls[start..<min(start + batch, urls.count)].map { url in
                ["EVAL", Self.addIfNew, "2", seenKey, frontierKey, url]
            })
            for reply in replies { added += try reply.get().int ?? 0 }
        }
        return added
    }

    /// The number of URLs ever queued.
    public func queuedEver(on redis: RedisClient) async throws -> Int {
        try await redis.command("SCARD", seenKey).int ?? 0
    }

    // MARK: - Working

    /// Makes the consumer group if need be and records `worker` as seen.
    public func register(worker: String, on redis: RedisClient) async throws {
        try await createGroup(on: redis)
        _ = try await redis.command("SADD", workersKey, worker)
    }

    /// Up to `count` URLs never handed out before, now pending for `worker`.
    public func claim(count: Int, for worker: String, on redis: RedisClient) async throws -> [Claim] {
        try await readGroup(count: count, for: worker, from: ">", on: redis)
    }

    /// Up to `count` of the URLs pending for `worker`, oldest first: after a lost
    /// connection, a claim whose reply never arrived is among them.
    public func pending(count: Int, for worker: String, on redis: RedisClient) async throws -> [Claim] {
        try await readGroup(count: count, for: worker, from: "0", on: redis)
    }

    /// XREADGROUP from `id`: `>` for new entries, `0` for the consumer's pending ones.
    private func readGroup(count: Int, for worker: String, from id: String, on redis: RedisClient) async throws -> [Claim] {
        let arguments = ["XREADGROUP", "GROUP", Self.group, worker, "COUNT", String(count), "STREAMS", frontierKey, id]
        let reply: RedisValue
        do {
            reply = try await redis.command(arguments)
        } catch RedisError.server(let message) where message.hasPrefix("NOGROUP") {
            // The frontier was never made, or went with a server that lost its data.
            try await createGroup(on: redis)
            reply = try await redis.command(arguments)
        }
        if reply.isNull { return [] }
        guard let streams = reply.array, let stream = streams.first?.array, stream.count == 2, let entries = stream[1].array else {
            throw RedisError.protocolViolation("unexpected reply to XREADGROUP")
        }
        return try Self.claims(entries)
    }

    /// Up to `count` claims that other workers have held for `idle` seconds without a
    /// result (they died, or lost their machine), taken over by `worker`. Scans the
    /// pending entries from `cursor` on; returns where the next scan starts (`0-0` once
    /// the scan went round).
    public func takeOver(
        idleFor idle: Double, count: Int, for worker: String, from cursor: String, on redis: RedisClient
    ) async throws -> (claims: [Claim], cursor: String) {
        let reply = try await redis.command(
            "XAUTOCLAIM", frontierKey, Self.group, worker, String(Int(idle * 1000)), cursor, "COUNT", String(count))
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string, let entries = parts[1].array else {
            throw RedisError.protocolViolation("unexpected reply to XAUTOCLAIM")
        }
        return (try Self.claims(entries), next)
    }

    /// Tells the others that `worker` still works on `ids`: their idle time starts again,
    /// so a fetch longer than the claim timeout is not taken over while it runs.
    public func refresh(_ ids: [String], for worker: String, on redis: RedisClient) async throws {
        guard !ids.isEmpty else { return }
        _ = try await redis.command(["XCLAIM", frontierKey, Self.group, worker, "0"] + ids + ["JUSTID"])
    }

    /// Gives `ids` back unfetched: they look idle for years, so the next worker to scan
    /// for stale claims takes them at once, whatever its claim timeout.
    public func release(_ ids: [String], for worker: String, on redis: RedisClient) async throws {
        guard !ids.isEmpty else { return }
        _ = try await redis.command(["XCLAIM", frontierKey, Self.group, worker, "0"] + ids + ["IDLE", String(Self.releasedIdle), "JUSTID"])
    }

    /// Stores each claim's result, in one round trip: the claim is acknowledged and leaves
    /// the frontier, and the result goes to the results stream unless the URL has one
    /// already (a claim taken over from a worker that finished after all). Safe to repeat.
    /// Returns how many results were stored.
    @discardableResult
    public func store(_ completed: [(claim: Claim, result: CrawlResult)], on redis: RedisClient) async throws -> Int {
        let replies = try await redis.pipeline(completed.map { claim, result in
            ["EVAL", Self.storeOnce, "4", frontierKey, doneKey, resultsKey, statsKey, Self.group,
             claim.id, claim.url, result.jsonLine, result.isOK ? "done" : "failed"]
        })
        return try replies.reduce(0) { $0 + (try $1.get().int ?? 0) }
    }

    /// URLs queued or in flight: 0 once every URL queued has its result.
    public func remaining(on redis: RedisClient) async throws -> Int {
        try await redis.command("XLEN", frontierKey).int ?? 0
    }

    // MARK: - Reading

    /// The counts, in one round trip.
    public func status(on redis: RedisClient) async throws -> Status {
        let replies = try await redis.pipeline([
            ["XLEN", frontierKey], ["XPENDING", frontierKey, Self.group], ["HMGET", statsKey, "done", "failed"], ["SCARD", workersKey],
        ])
        var status = Status()
        let inFrontier = try replies[0].get().int ?? 0
        switch replies[1] {
        case .success(let summary): status.inFlight = summary.array?.first?.int ?? 0
        case .failure(.server(let message)) where message.hasPrefix("NOGROUP"): break  // nothing queued yet
        case .failure(let error): throw error
        }
        status.queued = max(0, inFrontier - status.inFlight)
        let counts = try replies[2].get().array ?? []
        status.done = counts.first?.int ?? 0
        status.failed = counts.dropFirst().first?.int ?? 0
        status.workersSeen = try replies[3].get().int ?? 0
        return status
    }

    /// Up to `count` results stored after the entry `after` (`0-0` for the first), with
    /// their entry ids. With `wait`, waits that many seconds for one when none is there yet.
    public func results(after: String, count: Int = 1000, wait: Double? = nil, on redis: RedisClient) async throws -> [(id: String, result: CrawlResult)] {
        let reply: RedisValue
        if let wait {
            reply = try await redis.command(
                ["XREAD", "COUNT", String(count), "BLOCK", String(Int(wait * 1000)), "STREAMS", resultsKey, after],
                timeout: redis.commandTimeout + wait)
            if reply.isNull { return [] }
        } else {
            reply = .array([.array([.bulk(Array(resultsKey.utf8)),
                                    try await redis.command("XRANGE", resultsKey, "(" + after, "+", "COUNT", String(count))])])
        }
        guard let stream = reply.array?.first?.array, stream.count == 2, let entries = stream[1].array else {
            throw RedisError.protocolViolation("unexpected reply reading the results")
        }
        return try entries.map { entry in
            let (id, fields) = try Self.entry(entry)
            guard let line = fields["result"], let result = CrawlResult(jsonLine: line) else {
                throw RedisError.protocolViolation("result entry \(id) holds no result")
            }
            return (id, result)
        }
    }

    // MARK: - Details

    /// Creates the stream and its consumer group, reading from the first entry; one that
    /// exists already is kept.
    func createGroup(on redis: RedisClient) async throws {
        do {
            _ = try await redis.command("XGROUP", "CREATE", frontierKey, Self.group, "0", "MKSTREAM")
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    private static func claims(_ entries: [RedisValue]) throws -> [Claim] {
        // A pending entry deleted since it was read comes back as `[id, nil]`: nothing to do.
        try entries.filter { $0.array?.last?.isNull != true }.map { entry in
            let (id, fields) = try Self.entry(entry)
            guard let url = fields["url"] else { throw RedisError.protocolViolation("frontier entry \(id) holds no url") }
            return Claim(id: id, url: url)
        }
    }

    /// A stream entry: `[id, [field, value, …]]`.
    private static func entry(_ value: RedisValue) throws -> (String, [String: String]) {
        guard let parts = value.array, parts.count == 2, let id = parts[0].string, let list = parts[1].array, list.count % 2 == 0 else {
            throw RedisError.protocolViolation("unexpected stream entry")
        }
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: list.count, by: 2) {
            if let field = list[index].string { fields[field] = list[index + 1].string }
        }
        return (id, fields)
    }

    /// Milliseconds of idle time a released claim gets: a few years, and less than the
    /// server's clock in milliseconds (Redis ignores an idle time before 1970).
    static let releasedIdle = 100_000_000_000

    /// KEYS[1] the seen set, KEYS[2] the stream, ARGV[1] the URL: 1 when it was added.
    static let addIfNew = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
          redis.call('XADD', KEYS[2], '*', 'url', ARGV[1])
          return 1
        end
        return 0
        """

    /// KEYS: frontier, done set, results, stats; ARGV: group, entry id, URL, result JSON,
    /// `done` or `failed`. 1 when the result was stored, 0 when the URL had one.
    static let storeOnce = """
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        if redis.call('SADD', KEYS[2], ARGV[3]) == 1 then
          redis.call('XADD', KEYS[3], '*', 'result', ARGV[4])
          redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
          return 1
        end
        return 0
        """
}
