import Foundation
import GreenletTLS
import GreenletTestSupport
import GreenletTools
import Testing

/// `crawl --proxy` and the proxy environment, through a real tinyproxy on loopback.
@Suite("greenlet crawl through a proxy, end to end", .serialized, .timeLimit(.minutes(5)))
struct CrawlProxyEndToEndTests {
    @Test("--proxy: http by absolute URL, https through CONNECT with TLS checked against the origin, in every mode", arguments: CrawlRetryEndToEndTests.modes)
    func throughTheProxy(mode: String) throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        defer { proxy.stop() }
        let certificates = try TestCertificates.shared()
        let plain = try Origin.start()
        defer { plain.stop() }
        let secure = try Origin.start(tls: TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        defer { secure.stop() }
        let urls = ["http://127.0.0.1:\(plain.port)/bytes/1000", "https://localhost:\(secure.port)/chunked/70000"]
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", urls.joined(separator: "\n"))
        let run = try GreenletProcess.run(
            ["crawl", file, "--json", "--mode", mode, "--cacert", certificates.caFile, "--proxy", "http://127.0.0.1:\(proxy.port)"], within: 60)
        #expect(run.termination == .exit(0), "\(run)")
        let results = try CrawlEndToEndTests.results(run.stdout)
        #expect(results[urls[0]]?.sha256 == sha256(Origin.body(count: 1000)), "\(run)")
        #expect(results[urls[1]]?.sha256 == sha256(Origin.body(count: 70000)), "\(run)")
        let requests = proxy.requests
        #expect(requests.contains("GET \(urls[0]) HTTP/1.1"), "\(requests)")
        #expect(requests.contains("CONNECT localhost:\(secure.port) HTTP/1.1"), "\(requests)")
    }

    @Test("The environment as curl reads it: http_proxy and https_proxy; no_proxy goes direct; --proxy '' turns it off")
    func fromTheEnvironment() throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        defer { proxy.stop() }
        let origin = try Origin.start()
        defer { origin.stop() }
        let tree = try TemporaryTree()
        let url = "http://127.0.0.1:\(origin.port)/bytes/10"
        let file = try tree.write("urls.txt", url + "\n")
        let viaProxy = ["http_proxy": "http://127.0.0.1:\(proxy.port)"]
        let proxied = try GreenletProcess.run(["crawl", file], within: 30, environment: viaProxy)
        #expect(proxied.termination == .exit(0) && proxied.stdout.hasPrefix("200 10 "), "\(proxied)")
        #expect(proxy.requests == ["GET \(url) HTTP/1.1"], "\(proxy.requests)")

        let bypassed = try GreenletProcess.run(["crawl", file], within: 30, environment: viaProxy.merging(["no_proxy": "localhost,127.0.0.0/8"]) { $1 })
        let off = try GreenletProcess.run(["crawl", file, "--proxy", ""], within: 30, environment: viaProxy)
        for run in [bypassed, off] { #expect(run.termination == .exit(0) && run.stdout.hasPrefix("200 10 "), "\(run)") }
        #expect(proxy.requests.count == 1, "\(proxy.requests)")
    }

    @Test("A proxy that cannot reach the origin: CONNECT refused is that URL's error; a refused proxy is a connection refused")
    func failures() throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        defer { proxy.stop() }
        let closed = try unusedPort()
        let tree = try TemporaryTree()
        let file = try tree.write("urls.txt", "https://127.0.0.1:\(closed)/\n")
        let run = try GreenletProcess.run(["crawl", file, "--json", "--proxy", "127.0.0.1:\(proxy.port)"], within: 30)
        #expect(run.termination == .exit(1), "\(run)")
        let result = try #require(try CrawlEndToEndTests.results(run.stdout).values.first)
        #expect(result.error == "proxy: connect 127.0.0.1:\(closed) answered 500 unable to connect", "\(run)")
        let noProxy = try GreenletProcess.run(["crawl", file, "--proxy", "http://127.0.0.1:\(closed)"], within: 30)
        #expect(noProxy.termination == .exit(1) && noProxy.stdout.hasPrefix("ERR connection refused "), "\(noProxy)")
    }
}
