import Foundation
import Glibc
import GreenletTLS
import GreenletTestSupport
import GreenletTools
import Testing

/// `greenlet crawl`, run as a real process against the project's HTTP origin (`Origin`,
/// started in this process), in each execution model.
@Suite("greenlet crawl, end to end", .serialized, .timeLimit(.minutes(5)))
struct CrawlEndToEndTests {
    /// What each path of the mixed list must give: status, byte count, body digest (nil
    /// when the URL fails) and a phrase of its error (nil when none).
    struct Expectation: Sendable {
        let path: String
        let status: Int?
        let bytes: Int?
        let body: [UInt8]?
        let error: String?
    }

    static let expectations: [Expectation] = [
        Expectation(path: "/bytes/1000", status: 200, bytes: 1000, body: Origin.body(count: 1000), error: nil),
        Expectation(path: "/chunked/3000", status: 200, bytes: 3000, body: Origin.body(count: 3000), error: nil),
        Expectation(path: "/close/2000", status: 200, bytes: 2000, body: Origin.body(count: 2000), error: nil),
        Expectation(path: "/bytes/5242880", status: 200, bytes: 5_242_880, body: Origin.body(count: 5_242_880), error: nil),
        Expectation(path: "/redirect/2", status: 200, bytes: 11, body: Array("redirected\n".utf8), error: nil),
        Expectation(path: "/status/404", status: 404, bytes: 11, body: Array("status 404\n".utf8), error: nil),
        Expectation(path: "/status/500", status: 500, bytes: 11, body: Array("status 500\n".utf8), error: nil),
        Expectation(path: "/loop", status: 302, bytes: nil, body: nil, error: "too many redirects"),
        Expectation(path: "/redirect/7", status: 302, bytes: nil, body: nil, error: "too many redirects"),
        Expectation(path: "/malformed", status: nil, bytes: nil, body: nil, error: "malformed response"),
        Expectation(path: "/truncated", status: 200, bytes: nil, body: nil, error: "malformed response"),
        Expectation(path: "/hang", status: nil, bytes: nil, body: nil, error: "timed out"),
    ]

    /// The origin, the URL lines of `expectations` plus three that fail before any request,
    /// and what each line must give.
    struct MixedList {
        let origin: Origin
        let tree: TemporaryTree
        let file: String
        let refusedPort: Int
        var lines: [String] { Self.lines(origin.port, refusedPort) }

        init() throws {
            origin = try Origin.start()
            tree = try TemporaryTree()
            refusedPort = try unusedPort()
            file = try tree.write("urls.txt", "# a comment\n\n" + Self.lines(origin.port, refusedPort).joined(separator: "\n") + "\n  \n")
        }

        static func lines(_ port: Int, _ refusedPort: Int) -> [String] {
            expectations.map { "http://127.0.0.1:\(port)\($0.path)" }
                + ["ftp://127.0.0.1/x", "not a url", "http://127.0.0.1:\(refusedPort)/"]
        }

        func check(_ results: [String: CrawlResult]) {
            #expect(results.count == lines.count, "one result per line: \(results.keys.sorted())")
            for expectation in CrawlEndToEndTests.expectations {
                let line = "http://127.0.0.1:\(origin.port)\(expectation.path)"
                guard let result = results[line] else {
                    Issue.record("no result for \(line)")
                    continue
                }
                #expect(result.status == expectation.status, "\(line): \(result.jsonLine)")
                if let error = expectation.error {
                    #expect(result.error?.contains(error) == true, "\(line): \(result.jsonLine)")
                    #expect(result.sha256 == nil, "\(line): \(result.jsonLine)")
                } else {
                    #expect(result.error == nil, "\(line): \(result.jsonLine)")
                    #expect(result.bytes == expectation.bytes, "\(line): \(result.jsonLine)")
                    #expect(result.sha256 == expectation.body.map(sha256), "\(line): \(result.jsonLine)")
                }
            }
            let redirected = results["http://127.0.0.1:\(origin.port)/redirect/2"]
            #expect(redirected?.finalURL == "http://127.0.0.1:\(origin.port)/redirect/0")
            #expect(results["ftp://127.0.0.1/x"]?.error == "unsupported scheme ftp")
            #expect(results["not a url"]?.error?.hasPrefix("invalid url") == true)
            #expect(results["http://127.0.0.1:\(refusedPort)/"]?.error == "connection refused")
            for line in lines.suffix(3) { #expect(results[line]?.status == nil) }
        }

        func stop() {
            origin.stop()
        }
    }

    @Test("--json in every mode: each URL's status, bytes, sha256 and error as expected, and the same in all four", arguments: ["green", "sequential", "threads", "processes"])
    func everyModeGivesTheExpectedResults(mode: String) throws {
        let list = try MixedList()
        defer { list.stop() }
        // Five sanitized worker processes starting at once on two cores take seconds.
        let timeout = String(3 * GreenletProcess.timeScale)
        let run = try GreenletProcess.run(["crawl", list.file, "--json", "--mode", mode, "-c", "5", "--timeout", timeout], within: 90 * GreenletProcess.timeScale)
        #expect(run.termination == .exit(1), "\(run)")
        list.check(try Self.results(run.stdout))
        let summary = try #require(run.stderrLines.last)
        let pattern = #"^crawled 15 urls in [0-9]+\.[0-9]{2}s \(mode \#(mode), concurrency [0-9]+\): 7 ok, 8 failed$"#
        #expect(summary.range(of: pattern, options: .regularExpression) != nil, "\(summary)")
        #expect(!run.stderr.contains("\r"), "no progress bar when stderr is not a terminal")
    }

    @Test("Text lines: STATUS BYTES MILLISECONDS URL, or ERR REASON URL; every URL fine exits 0")
    func textLinesAndExitZero() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let urls = ["/bytes/10", "/status/404", "/chunked/0"].map { "http://127.0.0.1:\(origin.port)\($0)" }
        let file = try tree.write("urls.txt", urls.joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file], within: 20)
        #expect(run.termination == .exit(0), "\(run)")
        let lines = Set(run.stdout.split(separator: "\n").map { line in
            // Milliseconds vary: keep status, bytes and URL.
            let fields = line.split(separator: " ")
            return fields.count == 4 && Int(fields[2]) != nil ? "\(fields[0]) \(fields[1]) \(fields[3])" : String(line)
        })
        #expect(lines == ["200 10 \(urls[0])", "404 11 \(urls[1])", "200 0 \(urls[2])"], "\(run)")
        #expect(run.stderrLines.last?.hasSuffix("3 ok, 0 failed") == true, "\(run)")

        let failing = try tree.write("bad.txt", "http://127.0.0.1:\(origin.port)/malformed\n")
        let bad = try GreenletProcess.run(["crawl", failing], within: 20)
        #expect(bad.termination == .exit(1), "\(bad)")
        #expect(bad.stdout.hasPrefix("ERR malformed response"), "\(bad)")
        #expect(bad.stdout.hasSuffix(" http://127.0.0.1:\(origin.port)/malformed\n"), "\(bad)")
    }

    @Test("`-` reads the URLs from stdin, comments and blank lines skipped")
    func urlsFromStdin() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", "# first\n\n   http://127.0.0.1:\(origin.port)/bytes/7   \n#http://127.0.0.1:1/\n")
        let child = try GreenletProcess(["crawl", "-", "--json"], shellSetup: "exec 0< '\(file)'")
        let run = try child.waitForExit(within: 20)
        #expect(run.termination == .exit(0), "\(run)")
        let results = try Self.results(run.stdout)
        #expect(results.keys.sorted() == ["http://127.0.0.1:\(origin.port)/bytes/7"])
        #expect(results.values.first?.bytes == 7)
    }

    @Test("--save: 2xx bodies in files named from the URL, nothing for failures or other statuses, no overwrite, nothing outside DIR")
    func saveDirectory() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let base = "http://127.0.0.1:\(origin.port)"
        try tree.write("out/127.0.0.1_bytes_5", "keep me")
        let escape = try tree.write("escape.txt", "outside")
        let urls = [
            "\(base)/bytes/5", "\(base)/chunked/3000", "\(base)/status/404", "\(base)/truncated",
            "\(base)/to?\(base)/bytes/9", "\(base)/..%2F..%2Fescape.txt", "\(base)/redirect/1",
        ]
        let file = try tree.write("urls.txt", urls.joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file, "--save", tree.path("out"), "-c", "3"], within: 30)
        #expect(run.termination == .exit(1), "\(run)")
        let saved = try FileManager.default.contentsOfDirectory(atPath: tree.path("out")).sorted()
        for name in saved {
            #expect(!name.contains("/") && name != "." && name != "..", "\(name)")
        }
        #expect(try String(contentsOfFile: tree.path("out/127.0.0.1_bytes_5"), encoding: .utf8) == "keep me")
        #expect(FileManager.default.contents(atPath: tree.path("out/127.0.0.1_bytes_5-1")) == Data(Origin.body(count: 5)))
        #expect(FileManager.default.contents(atPath: tree.path("out/127.0.0.1_chunked_3000")) == Data(Origin.body(count: 3000)))
        #expect(saved.count == 5, "kept, bytes/5-1, chunked, to?, redirect: \(saved)")
        #expect(!saved.contains { $0.contains("status") || $0.contains("truncated") }, "\(saved)")
        #expect(try String(contentsOfFile: escape, encoding: .utf8) == "outside")
    }

    @Test("SIGINT stops the crawl: the summary still comes, exit 130")
    func interruptPrintsTheSummary() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let base = "http://127.0.0.1:\(origin.port)"
        let file = try tree.write("urls.txt", "\(base)/bytes/3\n\(base)/hang\n\(base)/hang\n")
        let child = try GreenletProcess(["crawl", file, "--timeout", "30"])
        #expect(child.waitForStderr(containing: "never", within: 0.5) == nil)
        child.send(signal: SIGINT)
        let run = try child.waitForExit(within: 10)
        #expect(run.termination == .exit(130), "\(run)")
        #expect(run.stdout.hasPrefix("200 3 "), "\(run)")
        #expect(run.stderrLines.last?.hasPrefix("crawled 1 urls in ") == true, "\(run)")
    }

    @Test("Bad input: a missing URL file is exit 2 with one error line; a bad option value is a usage error")
    func badInput() throws {
        let missing = try GreenletProcess.run(["crawl", "/nonexistent/urls.txt"])
        #expect(missing.termination == .exit(2), "\(missing)")
        #expect(missing.stderrLines.count == 1 && missing.stderr.hasPrefix("greenlet: error: cannot read /nonexistent/urls.txt"), "\(missing)")
        for arguments in [["-c", "0"], ["--timeout", "-1"], ["--mode", "fibers"]] {
            let run = try GreenletProcess.run(["crawl", "/dev/null"] + arguments)
            #expect(run.termination == .exit(64), "\(arguments): \(run)")
        }
    }

    // MARK: - TLS

    @Test("https with --cacert: the chain verifies for 127.0.0.1 (no SNI) and localhost (SNI), in every mode", arguments: ["green", "sequential", "threads", "processes"])
    func httpsWithTheRightCA(mode: String) throws {
        let certificates = try TestCertificates.shared()
        let origin = try Origin.start(tls: TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let urls = ["https://127.0.0.1:\(origin.port)/bytes/100", "https://localhost:\(origin.port)/chunked/70000"]
        let file = try tree.write("urls.txt", urls.joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file, "--json", "--mode", mode, "--cacert", certificates.caFile], within: 30)
        #expect(run.termination == .exit(0), "\(run)")
        let results = try Self.results(run.stdout)
        #expect(results[urls[0]]?.sha256 == sha256(Origin.body(count: 100)), "\(run)")
        #expect(results[urls[1]]?.sha256 == sha256(Origin.body(count: 70000)), "\(run)")
    }

    @Test("https failures say tls: an unknown CA, a certificate for another host; --insecure skips the checks and says so")
    func httpsFailuresAndInsecure() throws {
        let certificates = try TestCertificates.shared()
        let good = try Origin.start(tls: TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        defer { good.stop() }
        let elsewhere = try Origin.start(tls: TLSContext.server(certificateFile: certificates.elsewhereCertificate, privateKeyFile: certificates.elsewhereKey))
        defer { elsewhere.stop() }
        let tree = try TemporaryTree()
        let unknownCA = try tree.write("a.txt", "https://127.0.0.1:\(good.port)/bytes/10\n")
        let wrongHost = try tree.write("b.txt", "https://127.0.0.1:\(elsewhere.port)/bytes/10\n")

        for (file, caFile, phrase) in [(unknownCA, certificates.otherCAFile, "certificate verify failed"), (wrongHost, certificates.caFile, "host name mismatch")] {
            let run = try GreenletProcess.run(["crawl", file, "--json", "--cacert", caFile], within: 20)
            #expect(run.termination == .exit(1), "\(run)")
            let result = try #require(try Self.results(run.stdout).values.first)
            #expect(result.error?.hasPrefix("tls: ") == true && result.error?.contains(phrase) == true, "\(run)")
            #expect(result.status == nil && result.sha256 == nil)
        }
        let withoutCA = try GreenletProcess.run(["crawl", unknownCA], within: 20)
        #expect(withoutCA.termination == .exit(1) && withoutCA.stdout.hasPrefix("ERR tls: "), "\(withoutCA)")

        let insecure = try GreenletProcess.run(["crawl", unknownCA, "--insecure"], within: 20)
        #expect(insecure.termination == .exit(0), "\(insecure)")
        #expect(insecure.stdout.hasPrefix("200 10 "), "\(insecure)")
        #expect(insecure.stderrLines.first?.contains("--insecure") == true, "\(insecure)")
        let missingCA = try GreenletProcess.run(["crawl", unknownCA, "--cacert", tree.path("none.pem")])
        #expect(missingCA.termination == .exit(2) && missingCA.stderr.hasPrefix("greenlet: error: tls: "), "\(missingCA)")
    }

    /// The results printed as JSON lines, by URL line.
    static func results(_ stdout: String) throws -> [String: CrawlResult] {
        var results: [String: CrawlResult] = [:]
        for line in stdout.split(separator: "\n") {
            let result = try #require(CrawlResult(jsonLine: String(line)), "not a result line: \(line)")
            results[result.url] = result
        }
        return results
    }
}
