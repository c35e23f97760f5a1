import GreenletHTTP
import GreenletTestSupport
import GreenletTools
import Testing

/// `user:password@` in a crawl's URL, as curl and wget read it.
@Suite("greenlet crawl with credentials in the URL, end to end", .serialized, .timeLimit(.minutes(5)))
struct CrawlCredentialsEndToEndTests {
    @Test("user:password@ is sent as Basic (percent-decoded) to that origin only, and printed with the password as ***", arguments: CrawlRetryEndToEndTests.modes)
    func basicAuthorization(mode: String) throws {
        let first = try Origin.start()
        defer { first.stop() }
        let other = try Origin.start(host: "127.0.0.2")
        defer { other.stop() }
        let base = "127.0.0.1:\(first.port)"
        let lines = [
            "http://al%20ice:p%40ss@\(base)/basic-auth/al%20ice/p%40ss",
            "http://bob:wrong@\(base)/basic-auth/al%20ice/p%40ss",
            "http://u:pw@\(base)/to?http://\(base)/basic-auth/u/pw",
            "http://u:pw@\(base)/to?http://127.0.0.2:\(other.port)/basic-auth/u/pw",
        ]
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", lines.joined(separator: "\n"))
        let run = try GreenletProcess.run(["crawl", file, "--json", "--mode", mode], within: 30)
        #expect(run.termination == .exit(0), "\(run)")
        #expect(!run.stdout.contains("p%40ss@") && !run.stdout.contains("wrong") && !run.stdout.contains(":pw@"), "\(run)")
        let results = try CrawlEndToEndTests.results(run.stdout)
        let shown = lines.map { URLCredentials.redactingPassword(in: $0) }
        #expect(shown[0] == "http://al%20ice:***@\(base)/basic-auth/al%20ice/p%40ss")
        #expect(results[shown[0]]?.status == 200 && results[shown[0]]?.sha256 == sha256(Array("authorized\n".utf8)), "\(run)")
        #expect(results[shown[1]]?.status == 401, "\(run)")
        #expect(results[shown[2]]?.status == 200, "the same origin after a redirect: \(run)")
        #expect(results[shown[3]]?.status == 401, "another host after a redirect: \(run)")
        #expect(results[shown[3]]?.finalURL == "http://127.0.0.2:\(other.port)/basic-auth/u/pw", "\(run)")

        let text = try GreenletProcess.run(["crawl", file, "--mode", mode], within: 30)
        #expect(text.stdout.contains(" http://al%20ice:***@\(base)/") && !text.stdout.contains("wrong@"), "\(text)")
    }
}
