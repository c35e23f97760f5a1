import Foundation
import GreenletHTTP
import GreenletTestSupport
import GreenletTools
import Testing

/// What `crawl` asks for (`-H`, `--user-agent`, `--compressed`) and what it makes of the
/// answer, against the project's origin, in every mode.
@Suite("greenlet crawl headers and compression, end to end", .serialized, .timeLimit(.minutes(5)))
struct CrawlRequestEndToEndTests {
    @Test("--compressed: gzip and deflate bodies decoded (bytes, sha256 and --save of the decoded body); a bad gzip is that URL's error", arguments: CrawlRetryEndToEndTests.modes)
    func compressed(mode: String) throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let base = "http://127.0.0.1:\(origin.port)"
        let text = Origin.body(count: 200_000)
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", ["\(base)/text/200000", "\(base)/gzip/200000", "\(base)/deflate/200000", "\(base)/badgzip"].joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file, "--json", "--compressed", "--mode", mode, "--save", tree.path("out")], within: 60)
        #expect(run.termination == .exit(1), "\(run)")
        let results = try CrawlEndToEndTests.results(run.stdout)
        for path in ["text", "gzip", "deflate"] {
            let result = try #require(results["\(base)/\(path)/200000"], "\(run)")
            #expect(result.status == 200 && result.bytes == 200_000 && result.sha256 == sha256(text), "\(result.jsonLine)")
        }
        #expect(results["\(base)/badgzip"]?.error == "malformed response: bad gzip", "\(run)")
        let saved = try FileManager.default.contentsOfDirectory(atPath: tree.path("out")).sorted()
        #expect(saved.count == 3, "\(saved)")
        for name in saved {
            #expect(try Data(contentsOf: URL(fileURLWithPath: tree.path("out/\(name)"))) == Data(text), "\(name)")
        }
    }

    @Test("Without --compressed nothing changes: no Accept-Encoding, and a gzip body is counted as it came")
    func notCompressed() throws {
        let origin = try Origin.start()
        defer { origin.stop() }
        let base = "http://127.0.0.1:\(origin.port)"
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", "\(base)/text/5000\n\(base)/gzip/5000\n\(base)/badgzip\n")
        let run = try GreenletProcess.run(["crawl", file, "--json"], within: 30)
        #expect(run.termination == .exit(0), "\(run)")
        let results = try CrawlEndToEndTests.results(run.stdout)
        #expect(results["\(base)/text/5000"]?.sha256 == sha256(Origin.body(count: 5000)))
        let gzip = ContentEncoder.compress(Origin.body(count: 5000), as: .gzip)
        #expect(results["\(base)/gzip/5000"]?.bytes == gzip.count && results["\(base)/gzip/5000"]?.sha256 == sha256(gzip))
        #expect(results["\(base)/badgzip"]?.status == 200 && results["\(base)/badgzip"]?.error == nil)
    }

    @Test("-H adds or replaces a field, again adds another, 'Name:' removes one, --user-agent sets it; credentials and Host stay with the first origin", arguments: CrawlRetryEndToEndTests.modes)
    func headers(mode: String) throws {
        let first = try Origin.start()
        defer { first.stop() }
        let other = try Origin.start(host: "127.0.0.2")
        defer { other.stop() }
        let tree = try TemporaryTree()
        let here = "http://127.0.0.1:\(first.port)/head"
        let away = "http://127.0.0.1:\(first.port)/to?http://127.0.0.2:\(other.port)/head"
        let file = try tree.write("urls.txt", "\(here)\n\(away)\n")
        let run = try GreenletProcess.run(
            ["crawl", file, "--mode", mode, "--save", tree.path("out"), "-H", "X-Test: one two", "-H", "Accept:",
             "-H", "Authorization: Bearer secret", "--user-agent", "agent/2", "-H", "X-Test: three",
             "-H", "Cookie: a=1; b=2", "-H", "Host: example.test"], within: 30)
        #expect(run.termination == .exit(0), "\(run)")
        let hereHead = try String(contentsOfFile: tree.path("out/127.0.0.1_head"), encoding: .utf8)
        #expect(hereHead.contains("\nUser-Agent: agent/2\n") && hereHead.contains("\nX-Test: one two\n"), "\(hereHead)")
        #expect(hereHead.contains("\nAuthorization: Bearer secret\n"), "\(hereHead)")
        #expect(!hereHead.contains("Accept:"), "\(hereHead)")
        #expect(hereHead.contains("\nX-Test: three\n") && hereHead.contains("\nCookie: a=1; b=2\n"), "\(hereHead)")
        #expect(hereHead.contains("\nHost: example.test\n"), "\(hereHead)")
        let awayHead = try String(contentsOfFile: tree.path("out/127.0.0.2_head"), encoding: .utf8)
        #expect(awayHead.contains("\nX-Test: one two\n") && !awayHead.contains("Authorization") && !awayHead.contains("Cookie"), "\(awayHead)")
        #expect(awayHead.contains("\nHost: 127.0.0.2:\(other.port)\n"), "\(awayHead)")

        let anonymous = try GreenletProcess.run(["crawl", try tree.write("b.txt", here + "\n"), "--save", tree.path("bare"), "--user-agent", ""], within: 30)
        #expect(anonymous.termination == .exit(0), "\(anonymous)")
        #expect(!(try String(contentsOfFile: tree.path("bare/127.0.0.1_head"), encoding: .utf8)).contains("User-Agent"))
    }

    @Test("Bad values are usage errors (64) with one clear line", arguments: [
        (["-H", "X-A: 1\r\nHost: evil"], "-H: header 'X-A' has a CR, LF or NUL in its value"),
        (["-H", "NoColon"], "-H: header 'NoColon' has no colon"),
        (["-H", "Bad Name: x"], "-H: header name 'Bad Name' is not a token"),
        (["--user-agent", "a\nb"], "--user-agent has a CR, LF or NUL"),
        (["--retries=-1"], "--retries must be 0 or more"),
        (["--retry-delay=-2"], "--retry-delay must be"),
        (["--per-host", "0"], "--per-host must be at least 1"),
        (["--rate", "0"], "--rate must be"),
        (["--proxy", "socks5://127.0.0.1:1080"], "unsupported proxy scheme 'socks5'"),
        (["--queue", "redis://127.0.0.1:1/site", "--retries", "2"], "--retries does not go with --queue"),
    ])
    func badValues(arguments: [String], message: String) throws {
        let run = try GreenletProcess.run(["crawl", "/dev/null"] + arguments)
        #expect(run.termination == .exit(64), "\(run)")
        #expect(run.stderrLines.first?.hasPrefix("Error: \(message)") == true, "\(run)")
    }
}
