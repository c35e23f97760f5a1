import ArgumentParser
import Foundation
import Glibc
import GreenletTools

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure green threads against the other execution models.",
        subcommands: [AllBench.self, CrawlBench.self, EchoBench.self, ChatBench.self, SpawnBench.self, OriginBench.self],
        defaultSubcommand: AllBench.self
    )
}

struct AllBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "crawl, echo and spawn with small sizes, in under a minute (what `greenlet bench` alone runs)."
    )

    @OptionGroup var output: BenchOutput

    func run() throws {
        try runTool {
            let reports = try BenchmarkSuite.runSmall(executable: executablePath())
            printLine(output.json ? BenchmarkSuite.json(reports) : reports.map { $0.table() }.joined(separator: "\n\n"))
        }
    }
}

struct BenchOutput: ParsableArguments {
    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    func print(_ report: BenchmarkReport) {
        printLine(json ? report.json() : report.table())
    }
}

/// The origin of `bench crawl` on its own, for other crawlers to fetch from
/// (Scripts/compare-gevent.sh): serves until SIGINT or SIGTERM.
struct OriginBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "origin", shouldDisplay: false)

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "A loopback address to listen on (127.0.0.0/8), so that one machine has many hosts.")
    var host = "127.0.0.1"

    func validate() throws {
        var address = in_addr()
        guard host.hasPrefix("127."), inet_pton(AF_INET, host, &address) == 1 else { throw ValidationError("--host must be a 127.x.x.x address") }
    }

    func run() throws {
        try runTool {
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &signals, nil)  // before the origin's thread starts
            let origin = try Origin.start(host: host, port: port)
            printLine("listening on \(host):\(origin.port)")
            var received: Int32 = 0
            sigwait(&signals, &received)
            origin.stop()
        }
    }
}

struct CrawlBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Crawl a local origin that answers after --latency ms, sequentially, with OS threads, OS processes and green threads."
    )

    @Option(help: "URLs to crawl in each mode.")
    var requests = 100

    @Option(help: "Milliseconds the origin waits before each answer.")
    var latency = 50.0

    @Option(help: "Fetches at once (default: --requests).")
    var concurrency: Int?

    @Option(help: "Run only this mode: sequential, threads, processes or green (repeatable).")
    var mode: [CrawlMode] = []

    @OptionGroup var output: BenchOutput

    func validate() throws {
        guard requests > 0 else { throw ValidationError("--requests must be positive") }
        guard latency >= 0, latency.isFinite else { throw ValidationError("--latency must be milliseconds >= 0") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() throws {
        try runTool {
            output.print(try CrawlBenchmark.run(
                requests: requests, latency: latency, concurrency: concurrency ?? requests, executable: executablePath(),
                modes: mode.isEmpty ? [.sequential, .threads, .processes, .green] : mode))
        }
    }
}

struct ChatBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Closed-loop broadcast through a green chat server, or against --target: every line checked to reach every user in order."
    )

    @Option(help: "Drive a chat server that is already running, as HOST:PORT; repeated, servers of one room (chat --redis), the users dealt to them round-robin.")
    var target: [String] = []

    @Option(help: "Users in the room; each line reaches all of them.")
    var clients = 10

    @Option(help: "Lines each user sends, one after another.")
    var messages = 1_000

    @OptionGroup var output: BenchOutput

    func validate() throws {
        guard clients > 0, messages > 0 else { throw ValidationError("--clients and --messages must be positive") }
        for target in target { _ = try parseTarget(target) }
    }

    func run() throws {
        try runTool {
            output.print(try ChatBenchmark.run(
                targets: try target.map(parseTarget), executable: executablePath(), clients: clients, messages: messages))
        }
    }
}

struct SpawnBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn",
        abstract: "Spawn+join, switch time and memory per parked green thread vs OS threads."
    )

    @Option(help: "Green threads to spawn, round trips and parked threads.")
    var count = 100_000

    @Option(help: "OS threads for the same measurements.")
    var osThreads = 1_000

    @Option(help: "OS processes for the same measurements (100 round trips each for the switch); 0 leaves them out.")
    var processes = 20

    @Option(help: .hidden)
    var child: SpawnBenchmark.ChildRole?

    @Option(help: "Measure only this figure: spawn_join_ns, switch_ns, bytes_per_parked, or task_spawn_join_ns, task_switch_ns, task_bytes_per_parked for bare Swift tasks (repeatable).")
    var only: [SpawnBenchmark.Figure] = []

    @OptionGroup var output: BenchOutput

    func validate() throws {
        guard count > 0, osThreads > 0, processes >= 0 else {
            throw ValidationError("--count and --os-threads must be positive, --processes at least 0")
        }
    }

    func run() throws {
        if let child { return SpawnBenchmark.serveChild(child) }
        try runTool {
            output.print(try SpawnBenchmark.run(
                count: count, osThreads: osThreads, processes: processes, executable: executablePath(),
                figures: only.isEmpty ? SpawnBenchmark.Figure.allCases : only
            ))
        }
    }
}

struct EchoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Echo round trips (every byte checked) through a green echo server, or against --target."
    )

    @Option(help: "Drive an echo server that is already running, as HOST:PORT.")
    var target: String?

    @Option(help: "Concurrent connections.")
    var connections = 100

    @Option(help: "Round trips per connection.")
    var messages = 1_000

    @Option(help: "Bytes per message.")
    var size = 64

    @Option(help: "Hubs of the server it starts (greenlet echo --threads); not with --target.")
    var threads = 1

    @Option(help: "Run only this server: threads, processes or green (repeatable); not with --target.")
    var mode: [EchoModel] = []

    @OptionGroup var output: BenchOutput

    func validate() throws {
        guard connections > 0, messages > 0, size > 0 else {
            throw ValidationError("--connections, --messages and --size must be positive")
        }
        if let target {
            _ = try parseTarget(target)
            guard threads == 1 else { throw ValidationError("--threads sets the server bench echo starts; drop it with --target") }
        }
        try validateThreads(threads)
    }

    func run() throws {
        try runTool {
            output.print(try EchoBenchmark.run(
                target: try target.map(parseTarget), executable: executablePath(),
                connections: connections, messages: messages, size: size, threads: threads,
                modes: mode.isEmpty ? ["threads", "processes", "green"] : mode.map(\.rawValue)
            ))
        }
    }

}

/// HOST:PORT (brackets around an IPv6 host) for `--target`.
func parseTarget(_ text: String) throws -> (host: String, port: Int) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
          (1...65535).contains(port), colon > text.startIndex else {
        throw ValidationError("--target must be HOST:PORT, e.g. 127.0.0.1:4915")
    }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}

/// This executable, to start servers of its own for a benchmark.
func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

extension SpawnBenchmark.Figure: ExpressibleByArgument {}
extension SpawnBenchmark.ChildRole: ExpressibleByArgument {}
