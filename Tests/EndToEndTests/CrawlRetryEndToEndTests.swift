import Foundation
import GreenletTestSupport
import GreenletTools
import Testing

/// `crawl --retries`, `--per-host` and `--rate` against the project's origin, in every mode.
@Suite("greenlet crawl retries and per-host limits, end to end", .serialized, .timeLimit(.minutes(5)))
struct CrawlRetryEndToEndTests {
    static let modes = ["green", "sequential", "threads", "processes"]

    @Test("--retries: 503, 429 and closed connections are tried again, a 404 never; attempts says how many fetches it took", arguments: modes)
    func retriesTransientFailuresOnly(mode: String) throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let refused = try unusedPort()
        let base = "http://127.0.0.1:\(origin.port)"
        // The close comes first: on a connection kept alive from an earlier URL, the client
        // itself sends once more on a new one, as for any idle connection the server closed.
        let expected: [(line: String, status: Int?, attempts: Int, error: String?)] = [
            ("\(base)/flaky/1?key=b&fail=close", 200, 2, nil),
            ("\(base)/flaky/2?key=a", 200, 3, nil),
            ("\(base)/flaky/1?key=c&fail=429", 200, 2, nil),
            ("\(base)/flaky/9?key=d", 503, 4, nil),
            ("\(base)/flaky/9?key=e&fail=404", 404, 1, nil),
            ("\(base)/retry-after-date/1?key=f", 200, 2, nil),
            ("\(base)/bytes/10", 200, 1, nil),
            ("http://127.0.0.1:\(refused)/", nil, 4, "connection refused"),
        ]
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", expected.map(\.line).joined(separator: "\n"))
        let run = try GreenletProcess.run(
            ["crawl", file, "--json", "--mode", mode, "--retries", "3", "--retry-delay", "0.05"], within: 60)
        #expect(run.termination == .exit(1), "\(run)")  // the refused URL
        let results = try CrawlEndToEndTests.results(run.stdout)
        #expect(results.count == expected.count, "\(run)")
        for (line, status, attempts, error) in expected {
            let result = try #require(results[line], "\(run)")
            #expect(result.status == status && result.attempts == attempts && result.error == error, "\(result.jsonLine)")
        }
        #expect(results["\(base)/flaky/2?key=a"]?.sha256 == sha256(Array("ok\n".utf8)))
    }

    @Test("Retry-After in seconds is waited for; without --retries nothing is tried twice")
    func retryAfterIsHonoured() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", "http://127.0.0.1:\(origin.port)/retry-after/1?key=g\n")
        let started = Date()
        let run = try GreenletProcess.run(["crawl", file, "--json", "--retries", "1", "--retry-delay", "0"], within: 30)
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.termination == .exit(0), "\(run)")
        let result = try #require(try CrawlEndToEndTests.results(run.stdout).values.first)
        #expect(result.status == 200 && result.attempts == 2, "\(run)")
        #expect(elapsed >= 1, "Retry-After: 1, the retry came after \(elapsed) s")

        let once = try GreenletProcess.run(["crawl", try tree.write("b.txt", "http://127.0.0.1:\(origin.port)/flaky/1?key=h\n"), "--json"], within: 30)
        let first = try #require(try CrawlEndToEndTests.results(once.stdout).values.first)
        #expect(first.status == 503 && first.attempts == 1, "\(once)")
    }

    @Test("--per-host 2: never more than 2 requests at once to one host, while every host gets its 2 (sequential: its 1)", arguments: modes)
    func perHostLimit(mode: String) throws {
        let origins = try ["127.0.0.1", "127.0.0.2", "127.0.0.3"].map { try Origin.start(host: $0) }
        defer { origins.forEach { $0.stop() } }
        var lines: [String] = []
        for n in 0..<8 {
            for (index, origin) in origins.enumerated() {
                lines.append("http://127.0.0.\(index + 1):\(origin.port)/bytes/10?delay=150&n=\(n)")
            }
        }
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", lines.joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file, "-c", "20", "--per-host", "2", "--mode", mode], within: 60)
        #expect(run.termination == .exit(0), "\(run)")
        #expect(run.stdout.split(separator: "\n").count == lines.count, "\(run)")
        for origin in origins {
            #expect(origin.peakRequests == (mode == "sequential" ? 1 : 2), "127.0.0.x:\(origin.port): \(origin.peakRequests) requests at once")
            // The green threads share their idle connections: never more open than in use.
            if mode == "green" { #expect(origin.peakConnections <= 2, "\(origin.peakConnections) connections at once") }
        }
    }

    @Test("--rate 5: the starts to one host are 0.2 s apart")
    func ratePerHost() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", (0..<6).map { "http://127.0.0.1:\(origin.port)/bytes/10?n=\($0)" }.joined(separator: "\n"))
        let started = Date()
        let run = try GreenletProcess.run(["crawl", file, "-c", "6", "--rate", "5"], within: 30)
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.termination == .exit(0), "\(run)")
        #expect(elapsed >= 0.95, "6 starts at 5 a second took \(elapsed) s")
        #expect(origin.peakRequests == 1)
    }
}
