import Foundation
import Glibc
import GreenletTestSupport
import GreenletTools
import Testing

/// `greenlet crawl --queue`: worker processes of the built binary sharing a frontier in a
/// real redis-server, against the project's HTTP origin in this process.
@Suite("crawl --queue end to end", .serialized)
struct CrawlQueueEndToEndTests {
    /// A redis-server, the origin and a scratch directory, for one test, until `stop`.
    final class Farm {
        let redis: RedisServer
        let origin: Origin
        let tree: TemporaryTree

        init(persistent: Bool = false) throws {
            redis = try RedisServer(persistent: persistent)
            do {
                origin = try Origin.start()
                tree = try TemporaryTree()
            } catch {
                redis.stop()
                throw error
            }
        }

        /// `count` URLs of distinct sizes, each answered after `delay` ms.
        func urls(count: Int, delay: Int) -> [String] {
            (1...count).map { "http://127.0.0.1:\(origin.port)/bytes/\($0)?delay=\(delay)" }
        }

        /// Enqueues `urls`, all new, in the frontier `name`; returns the frontier's URL.
        func frontier(_ name: String, with urls: [String]) throws -> String {
            let queue = redis.url(name)
            let file = try tree.write("\(name).txt", urls.joined(separator: "\n"))
            let run = try GreenletProcess.run(["crawl", "--queue", queue, "--enqueue", file])
            #expect(run.termination == .exit(0) && run.stdout == "\(urls.count) new\n", "\(run)")
            return queue
        }

        func stop() {
            origin.stop()
            redis.stop()
        }
    }

    /// Every stored result, read back with `--results --json`, by URL; a URL stored twice
    /// fails the test.
    static func storedResults(_ queue: String) throws -> [String: CrawlResult] {
        let run = try GreenletProcess.run(["crawl", "--queue", queue, "--results", "--json"], within: 30)
        #expect(run.termination == .exit(0), "\(run)")
        var results: [String: CrawlResult] = [:]
        for line in run.stdout.split(separator: "\n") {
            let result = try #require(CrawlResult(jsonLine: String(line)), "not a result line: \(line)")
            #expect(results[result.url] == nil, "two results for \(result.url)")
            results[result.url] = result
        }
        return results
    }

    /// Each of `urls` has its one result: 200, the right size and digest.
    static func checkComplete(_ results: [String: CrawlResult], _ urls: [String]) {
        #expect(results.count == urls.count)
        for (index, url) in urls.enumerated() {
            let result = results[url]
            #expect(result?.status == 200 && result?.bytes == index + 1, "\(url): \(String(describing: result))")
            #expect(result?.sha256 == sha256(Origin.body(count: index + 1)), "\(url)")
        }
    }

    static func status(_ queue: String) throws -> String {
        let run = try GreenletProcess.run(["crawl", "--queue", queue, "--status"])
        #expect(run.termination == .exit(0), "\(run)")
        return run.stdout
    }

    @Test("Enqueue adds each URL once and says how many were new; a worker crawls them; --results and --status read them back")
    func enqueueWorkResultsStatus() throws {
        let farm = try Farm()
        defer { farm.stop() }
        let urls = farm.urls(count: 30, delay: 0)
        let file = try farm.tree.write("urls.txt", "# list\n" + urls.joined(separator: "\n") + "\nnot a url\n\n")
        let queue = farm.redis.url("list")

        let first = try GreenletProcess.run(["crawl", "--queue", queue, "--enqueue", file])
        #expect(first.termination == .exit(0) && first.stdout == "31 new\n", "\(first)")
        let again = try GreenletProcess.run(["crawl", "--queue", queue, "--enqueue", file])
        #expect(again.termination == .exit(0) && again.stdout == "0 new\n", "\(again)")
        #expect(try Self.status(queue) == "queued 31, in flight 0, done 0, failed 0, workers seen 0\n")

        let worker = try GreenletProcess.run(["crawl", "--queue", queue, "-c", "5"], within: 30)
        #expect(worker.termination == .exit(0), "\(worker)")
        #expect(worker.stdout.split(separator: "\n").count == 31, "\(worker)")
        #expect(worker.stderrLines.last?.hasPrefix("crawled 31 urls in ") == true, "\(worker)")
        #expect(worker.stderrLines.last?.contains("(mode green, concurrency 5): 30 ok, 1 failed; ") == true, "\(worker)")
        #expect(try Self.status(queue) == "queued 0, in flight 0, done 30, failed 1, workers seen 1\n")

        var results = try Self.storedResults(queue)
        #expect(results.removeValue(forKey: "not a url")?.error?.hasPrefix("invalid url") == true)
        Self.checkComplete(results, urls)
        let text = try GreenletProcess.run(["crawl", "--queue", queue, "--results"])
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("200 7 ") && $0.hasSuffix(" \(urls[6])") }.count == 1, "\(text)")
        // Done URLs are not queued again.
        let after = try GreenletProcess.run(["crawl", "--queue", queue, "--enqueue", file])
        #expect(after.stdout == "0 new\n", "\(after)")
    }

    @Test("2,000 URLs, three workers, one SIGKILLed midway: every URL gets exactly one result, in every mode the others run", arguments: ["green", "threads"])
    func threeWorkersOneKilled(mode: String) throws {
        let farm = try Farm()
        defer { farm.stop() }
        let urls = farm.urls(count: 2_000, delay: 30)
        let queue = try farm.frontier("farm", with: urls)

        let claimTimeout = String(2 * GreenletProcess.timeScale)
        let workers = try (0..<3).map { _ in
            try GreenletProcess(["crawl", "--queue", queue, "-c", "10", "--mode", mode, "--claim-timeout", claimTimeout, "--json"])
        }
        defer { workers.forEach { $0.kill() } }
        #expect(workers[0].waitForStdout(lines: 100, within: 60) != nil)
        workers[0].kill()  // SIGKILL: its claims stay pending until another worker takes them over
        for worker in workers.dropFirst() {
            let run = try worker.waitForExit(within: 120)
            #expect(run.termination == .exit(0), "\(run)")
        }
        Self.checkComplete(try Self.storedResults(queue), urls)
        #expect(try Self.status(queue) == "queued 0, in flight 0, done 2000, failed 0, workers seen 3\n")
    }

    @Test("Redis stopped and started again mid-crawl: the worker says so, reconnects and loses nothing")
    func redisRestartMidCrawl() throws {
        let farm = try Farm(persistent: true)
        defer { farm.stop() }
        let urls = farm.urls(count: 400, delay: 50)
        let queue = try farm.frontier("restart", with: urls)

        let worker = try GreenletProcess(["crawl", "--queue", queue, "-c", "10"])
        defer { worker.kill() }
        #expect(worker.waitForStdout(lines: 50, within: 30) != nil)
        try farm.redis.restart(after: 1)
        let run = try worker.waitForExit(within: 60)
        #expect(run.termination == .exit(0), "\(run)")
        let address = "127.0.0.1:\(farm.redis.port)"
        let notices = run.stderrLines.filter { $0.contains("redis \(address)") }
        #expect(notices.count == 2, "\(run)")
        #expect(notices.first?.hasPrefix("greenlet: warning: redis \(address): ") == true && notices.first?.hasSuffix("; reconnecting") == true, "\(run)")
        #expect(notices.last == "greenlet: warning: redis \(address): connected again", "\(run)")
        Self.checkComplete(try Self.storedResults(queue), urls)
    }

    @Test("SIGINT releases the claims at once (exit 130), and the next worker takes them without waiting the claim timeout; SIGTERM finishes what it holds (exit 0)")
    func signals() throws {
        let farm = try Farm()
        defer { farm.stop() }
        let queue = try farm.frontier("signals", with: farm.urls(count: 4, delay: 1_500))

        let interrupted = try GreenletProcess(["crawl", "--queue", queue, "-c", "2"])
        defer { interrupted.kill() }
        usleep(500_000)
        interrupted.send(signal: SIGINT)
        let first = try interrupted.waitForExit(within: 10)
        #expect(first.termination == .exit(130), "\(first)")
        #expect(first.stdout == "", "\(first)")
        #expect(try Self.status(queue) == "queued 2, in flight 2, done 0, failed 0, workers seen 1\n")

        let terminated = try GreenletProcess(["crawl", "--queue", queue, "-c", "2", "--claim-timeout", "600"])
        defer { terminated.kill() }
        usleep(500_000)
        terminated.send(signal: SIGTERM)
        let second = try terminated.waitForExit(within: 10)
        #expect(second.termination == .exit(0), "\(second)")
        #expect(second.stdout.split(separator: "\n").count == 2, "\(second)")
        #expect(try Self.status(queue) == "queued 2, in flight 0, done 2, failed 0, workers seen 2\n")
    }

    @Test("Bad input: an unreachable Redis is exit 2 with one line; a bad --queue URL or a missing name is a usage error")
    func badInput() throws {
        let port = try unusedPort()
        for arguments in [["--status"], [], ["--results"]] {
            let run = try GreenletProcess.run(["crawl", "--queue", "redis://127.0.0.1:\(port)/x"] + arguments)
            #expect(run.termination == .exit(2), "\(run)")
            #expect(run.stderr == "greenlet: error: redis 127.0.0.1:\(port): connection refused\n", "\(run)")
        }
        for arguments in [
            ["--queue", "http://127.0.0.1/x", "--status"], ["--queue", "redis://127.0.0.1:6379", "--status"],
            ["--queue", "redis://127.0.0.1:70000/x"], ["--queue", "redis://127.0.0.1/x", "urls.txt"],
            ["--queue", "redis://127.0.0.1/x", "--status", "--results"], ["--queue", "redis://127.0.0.1/x", "--follow"],
            ["--status"], ["--queue", "redis://127.0.0.1/x", "--claim-timeout", "0"],
        ] {
            let run = try GreenletProcess.run(["crawl"] + arguments)
            #expect(run.termination == .exit(64), "\(arguments): \(run)")
            #expect(run.stderr.hasPrefix("Error: "), "\(arguments): \(run)")
        }
    }
}
