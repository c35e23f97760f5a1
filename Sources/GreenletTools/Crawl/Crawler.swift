import Foundation
import Glibc
import Greenlet
import GreenletClient
import GreenletTLS

/// `greenlet crawl`: fetches every URL of a list, at most `concurrency` at once, in one of
/// four execution models that all run the same client code (`CrawlFetcher`).
///
/// Whatever the model, the calling thread runs a hub whose root green thread collects the
/// results from one `Queue` and hands each to the caller as it completes, or back to the
/// `CrawlScheduler` for another attempt; the scheduler hands the fetchers their URLs as the
/// per-host limits let them start. The producers
/// differ: `concurrency` green threads of that hub; OS threads that each run a hub of their own
/// with blocking sockets, where the only green thread blocks by design (that is the model
/// being measured) and nothing else waits; or worker processes, each driven by a green
/// thread of the main hub over a socket pair.
public final class Crawler: Sendable {
    public struct Options: Sendable {
        public var mode: CrawlMode
        public var concurrency: Int
        /// Seconds per URL: connect and the whole response, redirects included.
        public var timeout: Double
        public var saveDirectory: String?
        public var caFile: String?
        public var insecure: Bool
        /// This program, started again in its worker role for `.processes`.
        public var executable: String
        /// Fetches at once to one host (by name, whatever the port).
        public var perHost: Int
        public static let defaultPerHost = 8
        /// Fetches started a second to one host at most; nil for no bound.
        public var rate: Double?
        public var retry: RetryPolicy
        public var headers: [RequestHeader]
        public var userAgent: String
        public var compressed: Bool
        /// `--proxy`, which beats the environment's `http_proxy`, `https_proxy`,
        /// `all_proxy` (`""`: no proxy); nil: the environment's alone.
        public var proxy: String?
        /// Where the proxy variables are read (worker processes inherit it).
        public var environment: [String: String]

        public init(
            mode: CrawlMode = .green, concurrency: Int = 20, timeout: Double = 30, saveDirectory: String? = nil,
            caFile: String? = nil, insecure: Bool = false, executable: String = "/proc/self/exe",
            perHost: Int = Options.defaultPerHost, rate: Double? = nil, retry: RetryPolicy = RetryPolicy(), headers: [RequestHeader] = [],
            userAgent: String = HTTPClient.Options().userAgent, compressed: Bool = false, proxy: String? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.mode = mode
            self.concurrency = concurrency
            self.timeout = timeout
            self.saveDirectory = saveDirectory
            self.caFile = caFile
            self.insecure = insecure
            self.executable = executable
            self.perHost = perHost
            self.rate = rate
            self.retry = retry
            self.headers = headers
            self.userAgent = userAgent
            self.compressed = compressed
            self.proxy = proxy
            self.environment = environment
        }

    }

    let options: Options
    let tls: TLSContext
    let save: SaveDirectory?
    /// The client options every model uses. The green threads share one client, whose
    /// connections to a host are never more than its fetches at once; a blocking model's
    /// worker keeps idle connections of its own, so where the per-host limit is below the
    /// worker count it keeps none, lest idle ones pile up past the limit.
    let client: HTTPClient.Options

    /// - Throws: `TLSError` for a `caFile` that cannot be used, `SaveDirectoryError` for a
    ///   save directory that cannot be made, `ProxySettingsError` for a proxy that cannot be
    ///   used: the crawl cannot start.
    public init(options: Options) throws {
        self.options = options
        tls = try TLSContext.client(caFile: options.caFile, verify: !options.insecure)
        save = try options.saveDirectory.map { path throws(SaveDirectoryError) in try SaveDirectory(path: path) }
        let workers = options.mode.effectiveConcurrency(options.concurrency)
        let idle = options.mode == .green || options.perHost >= workers ? max(1, min(workers, options.perHost)) : 0
        client = HTTPClient.Options(
            timeout: options.timeout, maxIdlePerOrigin: idle, userAgent: options.userAgent, headers: options.headers,
            compressed: options.compressed, proxies: try ProxySettings(proxy: options.proxy, environment: options.environment))
    }

    /// Crawls `lines` on a hub started on the calling thread. `report` runs on this thread
    /// for each result as it completes. SIGINT or SIGTERM stops the crawl; the summary then
    /// says `interrupted`.
    public func run(_ lines: [String], report: sending @escaping (CrawlResult) -> Void) throws -> CrawlSummary {
        let started = MonotonicClock.now()
        let initial = CrawlSummary(mode: options.mode, concurrency: options.mode.effectiveConcurrency(max(1, options.concurrency)))
        var summary = try Hub.run { [self] in
            var summary = initial
            let results = Queue<CrawlResult>()
            let watcher = SignalWatcher([SIGINT, SIGTERM]) { _ in
                summary.interrupted = true
                results.close()
            }
            defer { watcher.cancel() }
            let concurrency = summary.concurrency
            let scheduler = CrawlScheduler(perHost: options.perHost, rate: options.rate)
            for (id, line) in lines.enumerated() { scheduler.add(CrawlJob(id: id, line: line)) }
            let producer = spawn("crawl producer") { [self] in
                let feeder = spawn("crawl scheduler") { try await scheduler.feed() }
                defer { feeder.kill() }
                do {
                    try await fetch(scheduler.source, workers: min(concurrency, lines.count), into: results)
                } catch {
                    results.close()  // no more results will come: the loop below ends
                    throw error
                }
            }
            while summary.crawled < lines.count, let result = try? await results.get() {
                if let delay = options.retry.delay(after: result) {
                    scheduler.finished(result, retryIn: delay)
                    continue
                }
                scheduler.finished(result)
                summary.count(result)
                report(result)
            }
            // Results stopped early without an interrupt: the producer failed (no thread
            // or process could start); its error ends the crawl.
            if !summary.interrupted && summary.crawled < lines.count { try await producer.value }
            // Interrupted, the crawl ends at once; else its workers end once the jobs
            // run out, and it waits for them, leaving nothing running behind it.
            if summary.interrupted { producer.kill() } else { _ = try? await producer.value }
            return summary
        }
        summary.seconds = Double(MonotonicClock.now() - started) / 1e9
        return summary
    }

    /// Fetches every job `jobs` hands out until it has none left, `workers` at once, in the
    /// mode's execution model; each result goes to `results` as it completes.
    func fetch(_ jobs: CrawlJobSource, workers: Int, into results: Queue<CrawlResult>) async throws {
        switch options.mode {
        case .green:
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: GreenDialer(tls: tls), options: client), save: save, offloadWrites: true)
            defer { fetcher.client.close() }
            let group = Group()
            for _ in 0..<workers {
                group.spawn {
                    while let job = await jobs.next() { try await results.put(await fetcher.fetch(job)) }
                }
            }
            try await group.joinAll()
        case .sequential, .threads:
            // Joined, not detached: a thread that still held the crawler (and its TLS
            // context) as the process exits would free it after OpenSSL's exit-time
            // cleanup, and crash.
            var threads: [pthread_t] = []
            do {
                for _ in 0..<workers {
                    threads.append(try OSThread.start(blocking: [SIGINT, SIGTERM]) { [self] in fetchOnThread(jobs, into: results) })
                }
            } catch {
                threads.forEach { pthread_detach($0) }
                throw error
            }
            for thread in threads { _ = try await blocking { pthread_join(thread, nil) } }
        case .processes:
            let group = Group()
            for _ in 0..<workers {
                group.spawn { [self] in try await WorkerProcess.drive(jobs, into: results, options: options) }
            }
            try await group.joinAll()
        }
    }

    /// An OS thread of the blocking models: a hub of its own whose one green thread takes
    /// URLs and fetches them with blocking sockets, one at a time.
    private func fetchOnThread(_ jobs: CrawlJobSource, into results: Queue<CrawlResult>) {
        _ = try? Hub.run { [self] in
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: BlockingDialer(tls: tls), options: client), save: save, offloadWrites: false)
            defer { fetcher.client.close() }
            while let job = await jobs.next() {
                try await results.put(await fetcher.fetch(job))
            }
        }
    }

    /// A crawler in the worker role of `.processes`, with what its parent passed through
    /// the environment (see `WorkerProcess`) besides `options`.
    public static func worker(options: Options) throws -> Crawler {
        try Crawler(options: WorkerProcess.inherited(options))
    }

    /// The worker role of `.processes`: URLs on stdin, one per line, each answered with
    /// its result as a JSON line on stdout, fetched one at a time with blocking sockets.
    public func serveAsWorker() throws {
        try Hub.run { [self] in
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: BlockingDialer(tls: tls), options: client), save: save, offloadWrites: false)
            defer { fetcher.client.close() }
            while let line = readLine() {
                let result = await fetcher.fetch(CrawlJob(id: 0, line: line))
                WorkerProcess.writeLine(result.workerLine, to: 1)
            }
        }
    }
}
