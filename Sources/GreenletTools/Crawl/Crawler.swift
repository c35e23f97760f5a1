import Glibc
import Greenlet
import GreenletClient
import GreenletTLS

/// `greenlet crawl`: fetches every URL of a list, at most `concurrency` at once, in one of
/// four execution models that all run the same client code (`CrawlFetcher`).
///
/// Whatever the model, the calling thread runs a hub whose root green thread collects the
/// results from one `Queue` and hands each to the caller as it completes. The producers
/// differ: green threads of that hub (`Pool`); OS threads that each run a hub of their own
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

        public init(
            mode: CrawlMode = .green, concurrency: Int = 20, timeout: Double = 30, saveDirectory: String? = nil,
            caFile: String? = nil, insecure: Bool = false, executable: String = "/proc/self/exe"
        ) {
            self.mode = mode
            self.concurrency = concurrency
            self.timeout = timeout
            self.saveDirectory = saveDirectory
            self.caFile = caFile
            self.insecure = insecure
            self.executable = executable
        }

        /// The client options every model uses.
        var client: HTTPClient.Options {
            HTTPClient.Options(timeout: timeout, maxIdlePerOrigin: max(1, mode.effectiveConcurrency(concurrency)))
        }
    }

    let options: Options
    let tls: TLSContext
    let save: SaveDirectory?

    /// - Throws: `TLSError` for a `caFile` that cannot be used, `SaveDirectoryError` for a
    ///   save directory that cannot be made: the crawl cannot start.
    public init(options: Options) throws {
        self.options = options
        tls = try TLSContext.client(caFile: options.caFile, verify: !options.insecure)
        save = try options.saveDirectory.map { path throws(SaveDirectoryError) in try SaveDirectory(path: path) }
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
            let producer = spawn("crawl producer") { [self] in
                let jobs = Queue<String>()
                for line in lines { _ = try jobs.tryPut(line) }
                jobs.close()
                do {
                    try await fetch(jobs, workers: min(concurrency, lines.count), into: results)
                } catch {
                    results.close()  // no more results will come: the loop below ends
                    throw error
                }
            }
            while summary.crawled < lines.count, let result = try? await results.get() {
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

    /// Fetches every line `jobs` hands out until it is closed, `workers` at once, in the
    /// mode's execution model; each result goes to `results` as it completes.
    func fetch(_ jobs: Queue<String>, workers: Int, into results: Queue<CrawlResult>) async throws {
        switch options.mode {
        case .green:
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: GreenDialer(tls: tls), options: options.client), save: save, offloadWrites: true)
            defer { fetcher.client.close() }
            let pool = Pool(size: workers)
            for try await line in jobs {
                try await pool.spawn { try await results.put(await fetcher.fetch(line)) }
            }
            try await pool.joinAll()
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
    private func fetchOnThread(_ jobs: Queue<String>, into results: Queue<CrawlResult>) {
        _ = try? Hub.run { [self] in
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: BlockingDialer(tls: tls), options: options.client), save: save, offloadWrites: false)
            defer { fetcher.client.close() }
            while let line = try? await jobs.get() {
                try await results.put(await fetcher.fetch(line))
            }
        }
    }

    /// The worker role of `.processes`: URLs on stdin, one per line, each answered with
    /// its result as a JSON line on stdout, fetched one at a time with blocking sockets.
    public func serveAsWorker() throws {
        try Hub.run { [self] in
            let fetcher = CrawlFetcher(client: HTTPClient(dialer: BlockingDialer(tls: tls), options: options.client), save: save, offloadWrites: false)
            defer { fetcher.client.close() }
            while let line = readLine() {
                let result = await fetcher.fetch(line)
                WorkerProcess.writeLine(result.jsonLine, to: 1)
            }
        }
    }
}
