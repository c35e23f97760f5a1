import ArgumentParser
import Foundation
import Glibc
import GreenletClient
import GreenletRedis
import GreenletTools

struct CrawlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Fetch every URL of a list with GET, many at once.",
        discussion: """
            Prints one line per URL as it completes: STATUS BYTES MILLISECONDS URL, or ERR REASON URL.
            With --queue, the URLs come from a frontier in Redis that workers on any number of machines share: \
            --enqueue adds to it, --queue alone works on it (a worker), --results and --status read it.
            """
    )

    @Argument(help: "A file of URLs, one per line (blank lines and # comments skipped); - reads stdin.")
    var urlsFile: String?

    @Option(name: [.short, .customLong("concurrency")], help: "Fetches at once.")
    var concurrency = 20

    @Option(help: "How to run the fetches: green (threads on one hub), sequential, threads (OS threads), processes.")
    var mode: CrawlMode = .green

    @Option(help: "Seconds per URL: connect and the whole response.")
    var timeout = 30.0

    @Flag(help: "One JSON object per line instead of text.")
    var json = false

    @Option(help: "Save each 2xx body to a file in this directory (made if missing).")
    var save: String?

    @Option(help: "A PEM file of CA certificates to trust besides the system's.")
    var cacert: String?

    @Flag(help: "Do not verify TLS certificates.")
    var insecure = false

    @Option(help: "Try a URL again up to N times after a connection failure, a timeout, a 429 or a 5xx.")
    var retries = 0

    @Option(help: "Seconds before the first retry; each next one waits twice as long (with jitter), unless the server sends Retry-After (capped at 60 s).")
    var retryDelay = 1.0

    @Option(help: "Fetches at once to one host, at most (default: \(Crawler.Options.defaultPerHost)).")
    var perHost: Int?

    @Option(help: "Fetches started a second to one host, at most.")
    var rate: Double?

    @Flag(help: "Ask for gzip or deflate and decode the body; bytes, sha256 and --save are then of the decoded body.")
    var compressed = false

    @Option(name: [.customShort("H"), .customLong("header")], help: ArgumentHelp("A request header, 'Name: value' (repeatable); 'Name:' removes one greenlet sends.", valueName: "header"))
    var headers: [String] = []

    @Option(help: "The User-Agent header.")
    var userAgent = HTTPClient.Options().userAgent

    @Option(help: ArgumentHelp("An HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT], for http and https (through CONNECT); beats http_proxy, https_proxy and all_proxy; \"\" for none. no_proxy applies to it.", valueName: "url"))
    var proxy: String?

    @Option(help: "A shared frontier in Redis, redis://[USER:PASSWORD@]HOST[:PORT]/NAME: fetch its URLs as one of its workers.")
    var queue: String?

    @Option(help: ArgumentHelp("With --queue: add the URLs of this file (- for stdin) to the frontier, each once, and print how many were new.", valueName: "urls-file"))
    var enqueue: String?

    @Flag(help: "With --queue: print the results stored so far (text, or --json).")
    var results = false

    @Flag(help: "With --results: go on printing results as they are stored, until interrupted.")
    var follow = false

    @Flag(help: "With --queue: print one line of counts (queued, in flight, done, failed, workers seen).")
    var status = false

    @Option(help: "With --queue: seconds after which a claim without a result or a sign of life is taken over by another worker.")
    var claimTimeout = 60.0

    @Flag(help: "With --queue: keep waiting for URLs when the frontier is empty.")
    var wait = false

    @Flag(help: .hidden)
    var worker = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("-c/--concurrency must be at least 1") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds > 0") }
        guard claimTimeout > 0, claimTimeout.isFinite else { throw ValidationError("--claim-timeout must be a number of seconds > 0") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard retryDelay >= 0, retryDelay.isFinite else { throw ValidationError("--retry-delay must be a number of seconds >= 0") }
        guard (perHost ?? 1) >= 1 else { throw ValidationError("--per-host must be at least 1") }
        if let rate { guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a number of requests a second > 0") } }
        _ = try requestHeaders()
        do {
            _ = try ProxySettings(proxy: proxy, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        guard !userAgent.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
            throw ValidationError("--user-agent has a CR, LF or NUL")
        }
        guard let queue else {
            guard urlsFile != nil || worker else { throw ValidationError("a URL file is needed (or --queue)") }
            for (flag, given) in [("--enqueue", enqueue != nil), ("--results", results), ("--status", status), ("--wait", wait)] where given {
                throw ValidationError("\(flag) goes with --queue")
            }
            return
        }
        _ = try Self.frontier(queue)
        // A frontier's claims have their own retry and their own pace: a worker takes what
        // it can fetch at once.
        for (flag, given) in [("--retries", retries != 0), ("--per-host", perHost != nil), ("--rate", rate != nil)] where given {
            throw ValidationError("\(flag) does not go with --queue")
        }
        guard urlsFile == nil else { throw ValidationError("with --queue, the URL file goes with --enqueue") }
        guard [enqueue != nil, results, status].filter({ $0 }).count <= 1 else {
            throw ValidationError("--enqueue, --results and --status go one at a time")
        }
        guard !follow || results else { throw ValidationError("--follow goes with --results") }
    }

    /// The server and the frontier a `--queue` URL names.
    static func frontier(_ text: String) throws -> CrawlQueue {
        var url: RedisURL
        do {
            url = try RedisURL(parsing: text)
        } catch {
            throw ValidationError("--queue: \(error)")
        }
        guard let name = url.path, !name.isEmpty else { throw ValidationError("--queue needs a frontier name: redis://HOST:PORT/NAME") }
        url.path = nil  // the name, not a database number
        return CrawlQueue(redis: url, frontier: CrawlFrontier(name: name))
    }

    func run() throws {
        if insecure && !worker && enqueue == nil && !results && !status {
            printLine("greenlet: warning: --insecure: TLS certificates are not verified", to: 2)
        }
        if let queue { return try runQueue(try Self.frontier(queue)) }
        var summary: CrawlSummary?
        try runTool {
            let crawler = try makeCrawler()
            if worker { return try crawler.serveAsWorker() }
            let lines = try URLList.read(from: urlsFile ?? "-")
            let progress = ProgressBar(total: lines.count)
            let json = json
            summary = try crawler.run(lines) { result in
                progress.clear()
                printLine(json ? result.jsonLine : result.textLine)
                progress.record(result)
            }
            progress.clear()
        }
        guard let summary else { return }
        printLine(summary.line, to: 2)
        if summary.interrupted { throw ExitCode(130) }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    private func makeCrawler() throws -> Crawler {
        let options = Crawler.Options(
            mode: mode, concurrency: concurrency, timeout: timeout, saveDirectory: save, caFile: cacert, insecure: insecure,
            perHost: perHost ?? Crawler.Options.defaultPerHost, rate: rate, retry: RetryPolicy(retries: retries, baseDelay: retryDelay), headers: try requestHeaders(),
            userAgent: userAgent, compressed: compressed, proxy: proxy)
        return worker ? try Crawler.worker(options: options) : try Crawler(options: options)
    }

    /// The `-H` headers, each checked: a bad one is a usage error.
    private func requestHeaders() throws -> [RequestHeader] {
        try headers.map { text in
            do {
                return try RequestHeader(parsing: text)
            } catch {
                throw ValidationError("-H: \(error)")
            }
        }
    }

    private func runQueue(_ queue: CrawlQueue) throws {
        let json = json
        let warn: @Sendable (String) -> Void = { printLine("greenlet: warning: \($0)", to: 2) }
        var exit: Int32 = 0
        try runTool {
            if let enqueue {
                let lines = try URLList.read(from: enqueue)
                printLine("\(try queue.enqueue(lines, warn: warn)) new")
            } else if status {
                printLine(try queue.status().description)
            } else if results {
                let signal = try queue.results(follow: follow, report: { printLine(json ? $0.jsonLine : $0.textLine) }, warn: warn)
                if signal == SIGINT { exit = 130 }
            } else {
                let worker = CrawlQueueWorker(
                    crawler: try makeCrawler(), redis: queue.redis, frontier: queue.frontier,
                    options: CrawlQueueWorker.Options(claimTimeout: claimTimeout, wait: wait))
                let report = try worker.run(report: { printLine(json ? $0.jsonLine : $0.textLine) }, warn: warn)
                printLine(report.line, to: 2)
                if report.summary.interrupted { exit = 130 }
            }
        }
        if exit != 0 { throw ExitCode(exit) }
    }
}

extension CrawlMode: ExpressibleByArgument {}
