import GreenletStreams
import GreenletTestSupport
import GreenletTLS
import GreenletTools
import Testing

@Suite("TLSStream")
struct TLSStreamTests {
    let certificates: TestCertificates
    let server: TLSContext

    init() throws {
        certificates = try TestCertificates.shared()
        server = try TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
    }

    private func trusting() throws -> TLSContext {
        try TLSContext.client(caFile: certificates.caFile)
    }

    @Test(arguments: DialerKind.allCases)
    func bodiesArriveWholeOverTLS(dialer: DialerKind) async throws {
        let paths = ["/bytes/300000", "/chunked/70000", "/close/5000", "/bytes/0"]
        let tls = try trusting()
        let (fetched, connections) = try await withOrigin(tls: server) { origin in
            let client = try dialer.client(tls: tls)
            var fetched: [Fetched] = []
            for path in paths { fetched.append(try await client.fetch(origin.url(path, scheme: "https"))) }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.map(\.errorText) == ["", "", "", ""])
        #expect(fetched.map(\.status) == [200, 200, 200, 200])
        #expect(fetched.map(\.received.sha256) == [300_000, 70_000, 5000, 0].map { sha256(Origin.body(count: $0)) })
        // The first two share a connection; /close ends it, so /bytes/0 dials again.
        #expect(connections == 2)
    }

    @Test(arguments: DialerKind.allCases)
    func aNameInTheCertificateIsAcceptedToo(dialer: DialerKind) async throws {
        let tls = try trusting()
        let fetched = try await withOrigin(tls: server) { origin in
            try await dialer.client(tls: tls).fetch("https://localhost:\(origin.port)/redirect/2")
        }
        #expect(fetched.error == nil)
        #expect(fetched.received.text == "redirected\n")
        #expect(fetched.report.finalURL?.description.hasPrefix("https://localhost:") == true)
    }

    @Test(arguments: DialerKind.allCases)
    func aCertificateFromAnUntrustedCAIsATLSError(dialer: DialerKind) async throws {
        let tls = try TLSContext.client(caFile: certificates.otherCAFile)
        let fetched = try await withOrigin(tls: server) { origin in
            try await dialer.client(tls: tls).fetch(origin.url("/bytes/10", scheme: "https"))
        }
        guard case .tls = fetched.error else {
            Issue.record("expected a tls error, got \(fetched.errorText)")
            return
        }
        #expect(fetched.errorText.hasPrefix("tls: certificate verify failed"))
        #expect(fetched.status == nil)
        #expect(fetched.received.begins == 0)
    }

    @Test(arguments: DialerKind.allCases)
    func aCertificateForAnotherNameIsATLSError(dialer: DialerKind) async throws {
        let elsewhere = try TLSContext.server(certificateFile: certificates.elsewhereCertificate, privateKeyFile: certificates.elsewhereKey)
        let tls = try trusting()
        let fetched = try await withOrigin(tls: elsewhere) { origin in
            try await dialer.client(tls: tls).fetch(origin.url("/bytes/10", scheme: "https"))
        }
        #expect(fetched.error == .tls(TLSError("host name mismatch (certificate is not for 127.0.0.1)")))
        #expect(fetched.errorText.contains("tls"))
    }

    @Test(arguments: DialerKind.allCases)
    func withoutVerificationAnyCertificateDoes(dialer: DialerKind) async throws {
        let tls = try TLSContext.client(verify: false)
        let fetched = try await withOrigin(tls: server) { origin in
            try await dialer.client(tls: tls).fetch(origin.url("/bytes/1000", scheme: "https"))
        }
        #expect(fetched.error == nil)
        #expect(fetched.received.sha256 == sha256(Origin.body(count: 1000)))
    }

    @Test(arguments: DialerKind.allCases)
    func anHTTPSURLToAPlainServerIsATLSError(dialer: DialerKind) async throws {
        let tls = try trusting()
        let fetched = try await withOrigin { origin in
            try await dialer.client(tls: tls).fetch(origin.url("/bytes/10", scheme: "https"))
        }
        #expect(fetched.error == .tls(TLSError("connection closed during handshake")))
        #expect(fetched.errorText.hasPrefix("tls: "))
        #expect(fetched.status == nil)
    }

    @Test(arguments: DialerKind.allCases)
    func anHTTPURLToATLSServerGetsNoResponse(dialer: DialerKind) async throws {
        let fetched = try await withOrigin(tls: server) { origin in
            try await dialer.client().fetch(origin.url("/bytes/10"))
        }
        #expect(fetched.error == .malformedResponse("connection closed before a response"))
        #expect(fetched.status == nil)
    }

    @Test(arguments: DialerKind.allCases, ["/closing/13", "/unannounced/13"])
    func aCachedTLSConnectionTheServerClosedIsReplacedUnseen(dialer: DialerKind, path: String) async throws {
        let tls = try trusting()
        let (fetched, connections) = try await withOrigin(tls: server) { origin in
            let client = try dialer.client(tls: tls)
            var fetched: [Fetched] = []
            for _ in 0..<3 { fetched.append(try await client.fetch("https://127.0.0.1:\(origin.port)\(path)")) }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.map(\.errorText) == ["", "", ""])
        #expect(Set(fetched.map(\.received.sha256)) == [sha256(Origin.body(count: 13))])
        #expect(connections == 3)
    }
}
