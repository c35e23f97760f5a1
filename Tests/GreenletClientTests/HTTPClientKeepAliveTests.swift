import Greenlet
import GreenletClient
import GreenletTestSupport
import GreenletTools
import Testing

@Suite("HTTPClient keep-alive")
struct HTTPClientKeepAliveTests {
    @Test(arguments: DialerKind.allCases)
    func sequentialFetchesShareOneConnection(dialer: DialerKind) async throws {
        let paths = ["/bytes/10", "/chunked/5000", "/status/404", "/redirect/2", "/bytes/0",
                     "/status/500", "/bytes/100000", "/chunked/0", "/to?/bytes/7", "/bytes/1"]
        let (fetched, connections) = try await withOrigin { origin in
            let client = try dialer.client()
            var fetched: [Fetched] = []
            for path in paths { fetched.append(try await client.fetch(origin.url(path))) }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.map(\.status) == [200, 200, 404, 200, 200, 500, 200, 200, 200, 200])
        #expect(fetched.compactMap(\.error).isEmpty)
        #expect(fetched.map(\.received.byteCount) == [10, 5000, 11, 11, 0, 11, 100_000, 0, 7, 1])
        #expect(connections == 1)
    }

    @Test(arguments: DialerKind.allCases)
    func aResponseEndedByClosingIsNotReused(dialer: DialerKind) async throws {
        let (fetched, connections) = try await withOrigin { origin in
            let client = try dialer.client()
            var fetched: [Fetched] = []
            for path in ["/close/100", "/bytes/100", "/close/100", "/bytes/100"] {
                fetched.append(try await client.fetch(origin.url(path)))
            }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.compactMap(\.error).isEmpty)
        #expect(Set(fetched.map(\.received.sha256)) == [sha256(Origin.body(count: 100))])
        // Each /close ends its connection: the second takes the one the first /bytes left
        // idle, and the last /bytes dials a third.
        #expect(connections == 3)
    }

    /// `/closing` claims keep-alive and closes after its body anyway (a server's idle
    /// timeout); `/unannounced` ends its body by closing without saying so.
    @Test(arguments: DialerKind.allCases, ["/closing/13", "/unannounced/13"])
    func aCachedConnectionTheServerClosedIsReplacedUnseen(dialer: DialerKind, path: String) async throws {
        let (fetched, connections) = try await withOrigin { origin in
            let client = try dialer.client()
            var fetched: [Fetched] = []
            for _ in 0..<3 { fetched.append(try await client.fetch(origin.url(path))) }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.map(\.errorText) == ["", "", ""])
        #expect(fetched.map(\.status) == [200, 200, 200])
        #expect(Set(fetched.map(\.received.sha256)) == [sha256(Origin.body(count: 13))])
        #expect(connections == 3)
    }

    @Test(arguments: DialerKind.allCases)
    func withoutIdleRoomEveryFetchDials(dialer: DialerKind) async throws {
        let (fetched, connections) = try await withOrigin { origin in
            let client = try dialer.client(HTTPClient.Options(maxIdlePerOrigin: 0))
            var fetched: [Fetched] = []
            for _ in 0..<3 { fetched.append(try await client.fetch(origin.url("/bytes/10"))) }
            return (fetched, origin.connectionCount)
        }
        #expect(fetched.map(\.status) == [200, 200, 200])
        #expect(connections == 3)
    }

    @Test(arguments: DialerKind.allCases)
    func closeDropsTheIdleConnections(dialer: DialerKind) async throws {
        let counts = try await withOrigin { origin in
            let client = try dialer.client()
            _ = try await client.fetch(origin.url("/bytes/10"))
            _ = try await client.fetch(origin.url("/bytes/10"))
            let before = origin.connectionCount
            client.close()
            let after = try await client.fetch(origin.url("/bytes/10"))
            return [before, origin.connectionCount, after.status ?? 0]
        }
        #expect(counts == [1, 2, 200])
    }

    @Test func greenThreadsShareOneClientAndItsIdleConnections() async throws {
        let (first, second, counts) = try await withOrigin { origin in
            let client = try DialerKind.green.client()
            let url = origin.url("/bytes/4000?delay=20")
            func round() async throws -> [Fetched] {
                try await joinAll((0..<8).map { _ in spawn { try await client.fetch(url) } })
            }
            let first = try await round()
            let afterFirst = origin.connectionCount
            let second = try await round()
            return (first, second, [afterFirst, origin.connectionCount])
        }
        let expected = sha256(Origin.body(count: 4000))
        #expect((first + second).allSatisfy { $0.error == nil && $0.received.sha256 == expected })
        // Eight fetches at once need eight connections; the next eight find them idle.
        #expect(counts == [8, 8])
    }
}
