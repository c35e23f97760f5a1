import Greenlet
import GreenletRedis
import GreenletTestSupport
import GreenletTools
import Testing

/// Against a real redis-server started for each test.
@Suite("CrawlFrontier", .serialized)
struct CrawlFrontierTests {
    @Test func aURLIsQueuedOnceHoweverOftenItIsEnqueued() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (first, again, mixed, ever, entries) = try await withRedis(server) { redis async throws -> (Int, Int, Int, Int, [String]) in
            let frontier = CrawlFrontier(name: "test")
            let urls = (0..<1_200).map { "http://127.0.0.1/\($0)" }
            let first = try await frontier.enqueue(urls, on: redis)
            let again = try await frontier.enqueue(urls, on: redis)
            let mixed = try await frontier.enqueue(["http://127.0.0.1/new", urls[7], "http://127.0.0.1/new"], on: redis)
            let ever = try await frontier.queuedEver(on: redis)
            let range = try await redis.command("XRANGE", "greenlet:crawl:test:frontier", "-", "+")
            let entries = (range.array ?? []).compactMap { $0.array?[1].array?[1].string }
            return (first, again, mixed, ever, entries)
        }
        #expect(first == 1_200)
        #expect(again == 0)
        #expect(mixed == 1)
        #expect(ever == 1_201)
        #expect(entries == (0..<1_200).map { "http://127.0.0.1/\($0)" } + ["http://127.0.0.1/new"])
    }

    @Test func theConsumerGroupIsMadeOnceAndReadsFromTheStart() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let groups = try await withRedis(server) { redis async throws -> RedisValue in
            let frontier = CrawlFrontier(name: "g")
            _ = try await frontier.enqueue(["http://a/"], on: redis)
            _ = try await frontier.enqueue(["http://b/"], on: redis)
            return try await redis.command("XINFO", "GROUPS", "greenlet:crawl:g:frontier")
        }
        let group = try #require(groups.array?.first?.array)
        #expect(groups.array?.count == 1)
        // name, consumers, pending, last-delivered-id: nothing delivered yet.
        #expect(group[1] == .bulk(Array(CrawlFrontier.group.utf8)))
        #expect(group[7] == .bulk(Array("0-0".utf8)))
    }
}
