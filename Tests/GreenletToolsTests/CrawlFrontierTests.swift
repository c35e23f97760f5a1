import Greenlet
import GreenletRedis
import GreenletTestSupport
@testable import GreenletTools
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

    @Test func aClaimIsStoredOnceAndLeavesTheFrontierEvenWhenTwoWorkersFetchedIt() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (claimed, stolen, storedFirst, storedAgain, results, status) = try await withRedis(server) {
            redis async throws -> ([CrawlFrontier.Claim], [CrawlFrontier.Claim], Int, Int, [CrawlResult], CrawlFrontier.Status) in
            let frontier = CrawlFrontier(name: "once")
            _ = try await frontier.enqueue(["http://a/", "http://b/", "http://c/"], on: redis)
            try await frontier.register(worker: "slow", on: redis)
            try await frontier.register(worker: "quick", on: redis)
            let claimed = try await frontier.claim(count: 2, for: "slow", on: redis)
            // Idle for 0 s already counts as stale: "quick" takes both over.
            let stolen = try await frontier.takeOver(idleFor: 0, count: 10, for: "quick", from: "0-0", on: redis).claims
            var ok = CrawlResult(url: "http://a/")
            ok.status = 200
            ok.sha256 = "00"
            var failed = CrawlResult(url: "http://b/")
            failed.error = "connection refused"
            let storedFirst = try await frontier.store([(stolen[0], ok), (stolen[1], failed)], on: redis)
            // The slow worker finishes too: its results are not stored a second time.
            let storedAgain = try await frontier.store([(claimed[0], ok), (claimed[1], failed)], on: redis)
            let results = try await frontier.results(after: "0-0", on: redis).map(\.result)
            return (claimed, stolen, storedFirst, storedAgain, results, try await frontier.status(on: redis))
        }
        #expect(claimed.map(\.url) == ["http://a/", "http://b/"])
        #expect(stolen == claimed)
        #expect(storedFirst == 2)
        #expect(storedAgain == 0)
        #expect(results.map(\.url) == ["http://a/", "http://b/"])
        #expect(results.map(\.status) == [200, nil])
        #expect(status == CrawlFrontier.Status(queued: 1, inFlight: 0, done: 1, failed: 1, workersSeen: 2))
    }

    /// What a worker reads back after a lost connection: its own pending claims, none
    /// stored, none of another worker's, and none deleted since.
    @Test func aWorkersPendingClaimsAreItsOwnUnstoredOnes() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (pending, others, afterStore) = try await withRedis(server) { redis async throws -> ([String], [String], [String]) in
            let frontier = CrawlFrontier(name: "pending")
            _ = try await frontier.enqueue(["http://a/", "http://b/", "http://c/", "http://d/"], on: redis)
            let mine = try await frontier.claim(count: 3, for: "one", on: redis)
            _ = try await frontier.claim(count: 1, for: "two", on: redis)
            let pending = try await frontier.pending(count: 10, for: "one", on: redis).map(\.url)
            let others = try await frontier.pending(count: 10, for: "two", on: redis).map(\.url)
            var ok = CrawlResult(url: mine[1].url)
            ok.status = 200
            _ = try await frontier.store([(mine[1], ok)], on: redis)
            _ = try await redis.command("XDEL", frontier.frontierKey, mine[2].id)
            let afterStore = try await frontier.pending(count: 10, for: "one", on: redis).map(\.url)
            return (pending, others, afterStore)
        }
        #expect(pending == ["http://a/", "http://b/", "http://c/"])
        #expect(others == ["http://d/"])
        #expect(afterStore == ["http://a/"])
    }

    @Test func aReleasedClaimIsTakenOverAtOnceAndALiveOneIsNot() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (kept, taken, status) = try await withRedis(server) { redis async throws -> (Int, [String], CrawlFrontier.Status) in
            let frontier = CrawlFrontier(name: "release")
            _ = try await frontier.enqueue(["http://a/", "http://b/"], on: redis)
            let claims = try await frontier.claim(count: 2, for: "one", on: redis)
            try await frontier.refresh(claims.map(\.id), for: "one", on: redis)
            let kept = try await frontier.takeOver(idleFor: 60, count: 10, for: "two", from: "0-0", on: redis).claims.count
            try await frontier.release([claims[1].id], for: "one", on: redis)
            let taken = try await frontier.takeOver(idleFor: 60, count: 10, for: "two", from: "0-0", on: redis).claims.map(\.url)
            return (kept, taken, try await frontier.status(on: redis))
        }
        #expect(kept == 0)
        #expect(taken == ["http://b/"])
        #expect(status == CrawlFrontier.Status(queued: 0, inFlight: 2, done: 0, failed: 0, workersSeen: 0))
    }

    @Test func anEmptyOrMissingFrontierHasNothingToClaimOrCount() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (claims, remaining, status, results) = try await withRedis(server) { redis async throws -> (Int, Int, CrawlFrontier.Status, Int) in
            let frontier = CrawlFrontier(name: "none")
            let status = try await frontier.status(on: redis)
            let claims = try await frontier.claim(count: 5, for: "w", on: redis).count
            let results = try await frontier.results(after: "0-0", wait: 0.05, on: redis).count
            return (claims, try await frontier.remaining(on: redis), status, results)
        }
        #expect(claims == 0 && remaining == 0 && results == 0)
        #expect(status == CrawlFrontier.Status())
        #expect(status.description == "queued 0, in flight 0, done 0, failed 0, workers seen 0")
    }
}
