import GreenletTestSupport
import GreenletClient
import GreenletHTTP
import GreenletTools
import Testing

@Suite("HTTPClient")
struct HTTPClientTests {
    /// The three ways a body's end is told, as the origin names them in its paths.
    enum Framing: String, CaseIterable, Sendable {
        case contentLength = "bytes"
        case chunked
        case close
    }

    @Test(arguments: DialerKind.allCases, Framing.allCases)
    func bodiesOfEverySizeArriveWhole(dialer: DialerKind, framing: Framing) async throws {
        let sizes = [0, 1, 1000, 64 * 1024 + 7, 5 << 20]
        let fetched = try await withOrigin { origin in
            let client = try dialer.client()
            var results: [Fetched] = []
            for size in sizes {
                results.append(try await client.fetch(origin.url("/\(framing.rawValue)/\(size)")))
            }
            return results
        }
        for (size, result) in zip(sizes, fetched) {
            #expect(result.error == nil, "\(size) bytes: \(result.errorText)")
            #expect(result.status == 200)
            #expect(result.received.status == 200)
            #expect(result.received.byteCount == size)
            #expect(result.received.sha256 == sha256(Origin.body(count: size)), "\(size) bytes")
            #expect(result.received.begins == 1)
            #expect(result.received.finishes == 1)
        }
    }

    @Test(arguments: DialerKind.allCases)
    func theReportNamesTheURLThatAnswered(dialer: DialerKind) async throws {
        let (fetched, url) = try await withOrigin { origin in
            (try await dialer.client().fetch(origin.url("/bytes/26")), origin.url("/bytes/26"))
        }
        #expect(fetched.report.finalURL?.description == url)
        #expect(fetched.status == 200)
        #expect(fetched.error == nil)
        #expect(fetched.received.url == fetched.report.finalURL)
        #expect(fetched.received.text == "abcdefghijklmnopqrstuvwxyz")
    }

    @Test(arguments: DialerKind.allCases, [404, 500, 503])
    func errorStatusesAreReportsNotErrors(dialer: DialerKind, code: Int) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/status/\(code)"))
        }
        #expect(fetched.error == nil)
        #expect(fetched.status == code)
        #expect(fetched.received.status == code)
        #expect(fetched.received.text == "status \(code)\n")
        #expect(fetched.received.finishes == 1)
    }

    @Test(arguments: DialerKind.allCases)
    func anUnknownPathIsAnEmpty404(dialer: DialerKind) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/no/such/thing"))
        }
        #expect(fetched.error == nil)
        #expect(fetched.status == 404)
        #expect(fetched.received.byteCount == 0)
        #expect(fetched.received.finishes == 1)
    }

    @Test(arguments: DialerKind.allCases)
    func aStatusLineThatIsNotHTTPIsAMalformedResponse(dialer: DialerKind) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/malformed"))
        }
        #expect(fetched.error == .malformedResponse("invalid start line"))
        #expect(fetched.errorText.contains("malformed response"))
        #expect(fetched.status == nil)
        #expect(fetched.report.finalURL == nil)
        #expect(fetched.received.begins == 0)
    }

    @Test(arguments: DialerKind.allCases)
    func aBodyCutShortIsAnErrorAfterItsStatus(dialer: DialerKind) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/truncated"))
        }
        #expect(fetched.error == .malformedResponse("connection closed mid-message"))
        #expect(fetched.errorText.contains("malformed response"))
        #expect(fetched.status == 200)
        #expect(fetched.received.begins == 1)
        #expect(fetched.received.byteCount == 50)
        #expect(fetched.received.sha256 == sha256(Origin.body(count: 50)))
        #expect(fetched.received.finishes == 0)
    }

    @Test(arguments: DialerKind.allCases)
    func aServerThatNeverAnswersTimesOut(dialer: DialerKind) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client(HTTPClient.Options(timeout: 0.5)).fetch(origin.url("/hang"))
        }
        #expect(fetched.error == .timedOut)
        #expect(fetched.errorText.contains("timed out"))
        #expect(fetched.status == nil)
        #expect(fetched.seconds >= 0.45)
        #expect(fetched.seconds < 3)
    }

    @Test(arguments: DialerKind.allCases)
    func theTimeoutBoundsTheWholeFetchNotEachRead(dialer: DialerKind) async throws {
        // A redirect and its target, 400 ms each: every read ends inside 0.5 s, the fetch cannot.
        let fetched = try await withOrigin { origin in
            let client = try dialer.client(HTTPClient.Options(timeout: 0.5))
            return try await client.fetch(origin.url("/to?\(origin.url("/bytes/5?delay=400"))&delay=400"))
        }
        #expect(fetched.error == .timedOut)
        #expect(fetched.seconds >= 0.45)
        #expect(fetched.seconds < 3)
    }

    @Test(arguments: DialerKind.allCases)
    func aClosedPortIsConnectionRefused(dialer: DialerKind) async throws {
        let port = try unusedPort()
        let fetched = try await onHub {
            try await dialer.client().fetch("http://127.0.0.1:\(port)/bytes/10")
        }
        #expect(fetched.error == .connectionRefused)
        #expect(fetched.errorText == "connection refused")
        #expect(fetched.status == nil)
        #expect(fetched.report.finalURL == nil)
    }

    @Test(arguments: DialerKind.allCases)
    func aNameThatDoesNotResolveIsAnUnknownHost(dialer: DialerKind) async throws {
        let fetched = try await onHub {
            try await dialer.client(HTTPClient.Options(timeout: 10)).fetch("http://no-such-host.invalid:8080/")
        }
        #expect(fetched.error == .unknownHost("no-such-host.invalid"))
        #expect(fetched.errorText.contains("unknown host"))
        #expect(fetched.status == nil)
    }

    @Test(arguments: DialerKind.allCases)
    func aSinkThatFailsEndsTheFetchAndItsConnection(dialer: DialerKind) async throws {
        let (failed, next, connections) = try await withOrigin { origin in
            let client = try dialer.client()
            let failed = try await client.fetch(origin.url("/bytes/100000"), sink: RecordingSink(failAfter: 10))
            let next = try await client.fetch(origin.url("/bytes/10"))
            return (failed, next, origin.connectionCount)
        }
        #expect(failed.error == .sink("disk full"))
        #expect(failed.errorText == "disk full")
        #expect(failed.status == 200)
        #expect(failed.received.byteCount == 0)
        #expect(failed.received.finishes == 0)
        // The half-read connection cannot carry another request: the next one dials.
        #expect(next.error == nil)
        #expect(next.received.sha256 == sha256(Origin.body(count: 10)))
        #expect(connections == 2)
    }

    @Test(arguments: DialerKind.allCases)
    func theRequestNamesTheHostAndTheAgent(dialer: DialerKind) async throws {
        let (fetched, port) = try await withOrigin { origin in
            let client = try dialer.client(HTTPClient.Options(userAgent: "tests/1.0"))
            return (try await client.fetch(origin.url("/x/./../head?c=d#e")), origin.port)
        }
        #expect(fetched.error == nil)
        #expect(fetched.received.text == "GET /head?c=d HTTP/1.1\nHost: 127.0.0.1:\(port)\nUser-Agent: tests/1.0\nAccept: */*\n")
    }
}
