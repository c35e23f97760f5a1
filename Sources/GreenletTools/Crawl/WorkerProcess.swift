import Foundation
import Glibc
import Greenlet
import GreenletClient

/// A worker process of `crawl --mode processes`: this program again, in its worker role
/// (`Crawler.serveAsWorker`), with one end of a socket pair (a two-way pipe) as its stdin
/// and stdout. The parent writes a URL line and reads back the result as a JSON line; a
/// green thread of the parent's hub drives each worker, so the parent waits on all of
/// them at once. Spawned, not forked: `fork` is unsafe in a Swift process.
final class WorkerProcess {
    private let process: Process
    private let connection: Connection

    private init(process: Process, connection: Connection) {
        self.process = process
        self.connection = connection
    }

    static func start(options: Crawler.Options) throws -> WorkerProcess {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw NetworkError(errno: errno, call: "socketpair")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.executable)
        // The mode, concurrency and per-host limit decide how many idle connections the
        // worker's client keeps, as for the threads of `.threads`.
        var arguments = [
            "crawl", "-", "--worker", "--timeout", "\(options.timeout)", "--mode", options.mode.rawValue,
            "-c", "\(options.concurrency)", "--per-host", "\(options.perHost)",
        ]
        // `--option=value`: a value that starts with a dash stays a value.
        if let save = options.saveDirectory { arguments.append("--save=\(save)") }
        if let caFile = options.caFile { arguments.append("--cacert=\(caFile)") }
        if options.insecure { arguments.append("--insecure") }
        if options.compressed { arguments.append("--compressed") }
        arguments.append("--user-agent=\(options.userAgent)")
        process.arguments = arguments
        var environment = options.environment
        environment[Self.proxyVariable] = options.proxy
        environment[Self.headersVariable] = options.headers.map { "\($0.name.rawName): \($0.value ?? "")" }.joined(separator: "\n")
        process.environment = environment
        let child = FileHandle(fileDescriptor: ends[1], closeOnDealloc: false)
        process.standardInput = child
        process.standardOutput = child
        do {
            try process.run()
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        close(ends[1])
        return WorkerProcess(process: process, connection: try Connection(adopting: ends[0]))
    }

    /// Hands URLs from `jobs` to a worker, one at a time, until none are left. A worker
    /// that dies fails its URL (the result says so) and a new one takes the next.
    static func drive(_ jobs: CrawlJobSource, into results: Queue<CrawlResult>, options: Crawler.Options) async throws {
        var worker: WorkerProcess?
        defer { worker?.stop() }
        while let job = await jobs.next() {
            var result: CrawlResult
            do {
                if worker == nil { worker = try start(options: options) }
                result = try await worker!.fetch(job.line)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                worker?.stop()
                worker = nil
                result = CrawlResult(url: job.line)
                result.error = "worker process failed: \(error)"
                result.retryAfter = 0  // a new worker may get through
            }
            result.url = job.line  // the worker prints it with its password hidden
            result.jobID = job.id
            result.attempts = job.attempt
            try await results.put(result)
        }
    }

    private func fetch(_ line: String) async throws -> CrawlResult {
        try await connection.sendAll(Array((line + "\n").utf8))
        // A result repeats the URL twice (as given and final), each up to the line's size.
        guard let reply = try await connection.readLine(maxLength: 64 * 1024 + 4 * line.utf8.count),
              let result = CrawlResult(jsonLine: String(decoding: reply, as: UTF8.self))
        else { throw WorkerExited() }
        return result
    }

    private struct WorkerExited: Error, CustomStringConvertible {
        var description: String { "it exited" }
    }

    /// Ends the worker: its stdin closes, and SIGTERM stops a fetch in flight.
    private func stop() {
        connection.close()
        if process.isRunning { process.terminate() }
    }

    /// What a worker takes from its environment rather than its arguments, which any user
    /// of the machine reads in `ps`: the proxy, with its password, and the headers, with
    /// their credentials (one per line: a value never holds a line feed).
    static let proxyVariable = "GREENLET_CRAWL_WORKER_PROXY"
    static let headersVariable = "GREENLET_CRAWL_WORKER_HEADERS"

    /// `options` with the proxy and headers its parent passed in the environment.
    static func inherited(_ options: Crawler.Options) throws -> Crawler.Options {
        var options = options
        options.proxy = options.environment[proxyVariable]
        options.headers = try (options.environment[headersVariable] ?? "").split(separator: "\n").map {
            try RequestHeader(parsing: String($0))
        }
        return options
    }

    /// Writes `line` and a newline to `descriptor`, whole (the worker's answers).
    static func writeLine(_ line: String, to descriptor: Int32) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            offset += count
        }
    }
}
