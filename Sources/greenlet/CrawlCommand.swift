import ArgumentParser
import Glibc
import GreenletTools

struct CrawlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Fetch every URL of a list with GET, many at once.",
        discussion: "Prints one line per URL as it completes: STATUS BYTES MILLISECONDS URL, or ERR REASON URL."
    )

    @Argument(help: "A file of URLs, one per line (blank lines and # comments skipped); - reads stdin.")
    var urlsFile: String

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

    @Flag(help: .hidden)
    var worker = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("-c/--concurrency must be at least 1") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a number of seconds > 0") }
    }

    func run() throws {
        if insecure && !worker { printLine("greenlet: warning: --insecure: TLS certificates are not verified", to: 2) }
        var summary: CrawlSummary?
        try runTool {
            let crawler = try Crawler(options: Crawler.Options(
                mode: mode, concurrency: concurrency, timeout: timeout, saveDirectory: save, caFile: cacert, insecure: insecure))
            if worker { return try crawler.serveAsWorker() }
            let lines = try URLList.read(from: urlsFile)
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
}

extension CrawlMode: ExpressibleByArgument {}
