import GreenletClient
import GreenletHTTP
import GreenletTestSupport
import GreenletTools
import Testing

@Suite("HTTPClient redirects")
struct HTTPClientRedirectTests {
    @Test(arguments: DialerKind.allCases)
    func aChainOfRelativeRedirectsEndsAtItsLastURL(dialer: DialerKind) async throws {
        let (fetched, url, connections) = try await withOrigin { origin in
            let fetched = try await dialer.client().fetch(origin.url("/redirect/3"))
            return (fetched, origin.url("/redirect/0"), origin.connectionCount)
        }
        #expect(fetched.error == nil)
        #expect(fetched.status == 200)
        #expect(fetched.report.finalURL?.description == url)
        // Only the final response reaches the sink.
        #expect(fetched.received.begins == 1)
        #expect(fetched.received.url == fetched.report.finalURL)
        #expect(fetched.received.text == "redirected\n")
        #expect(fetched.received.finishes == 1)
        // Each redirect's empty body was read, so its connection carried the next request.
        #expect(connections == 1)
    }

    @Test(arguments: DialerKind.allCases)
    func fiveRedirectsAreFollowedByDefault(dialer: DialerKind) async throws {
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/redirect/5"))
        }
        #expect(fetched.error == nil)
        #expect(fetched.status == 200)
        #expect(fetched.received.text == "redirected\n")
    }

    @Test(arguments: DialerKind.allCases)
    func aSixthRedirectIsTooMany(dialer: DialerKind) async throws {
        let (fetched, last) = try await withOrigin { origin in
            (try await dialer.client().fetch(origin.url("/redirect/6")), origin.url("/redirect/1"))
        }
        #expect(fetched.error == .tooManyRedirects)
        #expect(fetched.errorText == "too many redirects")
        // The report keeps the last answer: /redirect/1's 302.
        #expect(fetched.status == 302)
        #expect(fetched.report.finalURL?.description == last)
        #expect(fetched.received.begins == 0)
    }

    @Test(arguments: DialerKind.allCases)
    func aURLSeenTwiceEndsTheChain(dialer: DialerKind) async throws {
        let (fetched, connections) = try await withOrigin { origin in
            (try await dialer.client(HTTPClient.Options(maxRedirects: 50)).fetch(origin.url("/loop")), origin.connectionCount)
        }
        #expect(fetched.error == .tooManyRedirects)
        #expect(fetched.errorText.contains("too many redirects"))
        #expect(fetched.status == 302)
        #expect(fetched.received.begins == 0)
        #expect(connections == 1)
    }

    @Test(arguments: DialerKind.allCases, [(0, 0, true), (0, 1, false), (2, 2, true), (2, 3, false)])
    func maxRedirectsIsTheNumberFollowed(dialer: DialerKind, chain: (limit: Int, redirects: Int, succeeds: Bool)) async throws {
        let (limit, redirects, succeeds) = chain
        let fetched = try await withOrigin { origin in
            try await dialer.client(HTTPClient.Options(maxRedirects: limit)).fetch(origin.url("/redirect/\(redirects)"))
        }
        #expect(fetched.error == (succeeds ? nil : .tooManyRedirects))
        #expect(fetched.status == (succeeds ? 200 : 302))
    }

    @Test(arguments: DialerKind.allCases)
    func anAbsoluteLocationIsFollowed(dialer: DialerKind) async throws {
        let (fetched, target) = try await withOrigin { origin in
            let target = origin.url("/bytes/10")
            return (try await dialer.client().fetch(origin.url("/to?\(target)")), target)
        }
        #expect(fetched.error == nil)
        #expect(fetched.status == 200)
        #expect(fetched.report.finalURL?.description == target)
        #expect(fetched.received.byteCount == 10)
        #expect(fetched.received.sha256 == sha256(Origin.body(count: 10)))
    }

    @Test(arguments: DialerKind.allCases)
    func aRedirectToAnotherOriginDialsIt(dialer: DialerKind) async throws {
        let (fetched, target, counts) = try await withOrigin { first in
            let second = try Origin.start()
            defer { second.stop() }
            let target = second.url("/chunked/3000")
            let fetched = try await dialer.client().fetch(first.url("/to?\(target)"))
            return (fetched, target, [first.connectionCount, second.connectionCount])
        }
        #expect(fetched.error == nil)
        #expect(fetched.report.finalURL?.description == target)
        #expect(fetched.received.sha256 == sha256(Origin.body(count: 3000)))
        #expect(counts == [1, 1])
    }

    @Test(arguments: DialerKind.allCases, [
        ("ftp://127.0.0.1/file", "unsupported scheme ftp"),
        ("mailto:someone", "unsupported scheme mailto"),
        ("http://a%20b/", "invalid url: percent-encoded host"),
        ("http://127.0.0.1:0/", "invalid url: port must be 1 to 65535"),
    ])
    func aLocationThatIsNoHTTPURLEndsTheFetch(dialer: DialerKind, answer: (location: String, error: String)) async throws {
        let (location, error) = answer
        let fetched = try await withOrigin { origin in
            try await dialer.client().fetch(origin.url("/to?\(location)"))
        }
        #expect(fetched.errorText == error)
        #expect(fetched.status == 301)
        #expect(fetched.received.begins == 0)
    }
}
