import Greenlet
import GreenletRedis
import GreenletTestSupport
import Testing
@testable import GreenletTools

/// Chat servers in one room through a real redis-server, all on one hub of the test, with
/// their clients.
// Three minutes: the test's own work takes seconds, but under ThreadSanitizer, with the
// whole suite running, its resumption can wait a minute for a test-pool thread.
@Suite("ChatFederation", .serialized, .timeLimit(.minutes(3)))
struct ChatFederationTests {
    @Test func linesJoinsAndLeavesReachEveryServerInEachSendersOrder() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let url = redis.url()
        let (seenByAlice, seenByBob, seenByCarol, who, leaves, quiet) = try await onHub { () async throws -> ([String], [String], [String], String, [String], Bool) in
            let a = try await ChatNode.start(redis: url)
            let b = try await ChatNode.start(redis: url)
            let alice = try await HubChatClient.joined("alice", port: a.port, online: ["alice"])
            // The welcome names who joined before, on any server.
            let bob = try await HubChatClient.joined("bob", port: b.port, online: ["alice", "bob"])
            let aliceHeard = try await alice.readLine()
            let carol = try await HubChatClient.joined("carol", port: b.port, online: ["alice", "bob", "carol"])
            let bobHeard = try await bob.readLine()
            let aliceHeardAgain = try await alice.readLine()
            #expect([aliceHeard, aliceHeardAgain] == ["## bob joined from 127.0.0.1.", "## carol joined from 127.0.0.1."])
            #expect(bobHeard == "## carol joined from 127.0.0.1.")

            for index in 0..<50 {
                try await alice.send("a\(index)")
                try await bob.send("b\(index)")
            }
            let seen = try await [alice, bob, carol].asyncMap { try await $0.readLines(100) }
            try await carol.send("/who")
            let who = try await carol.readLine()

            try await alice.send("/quit")
            #expect(try await alice.readLine() == "## bye")
            let leaves = try await [bob, carol].asyncMap { try await $0.readLine() }
            let quiet = await bob.staysQuiet(for: 0.3)
            for client in [bob, carol] { client.close() }
            await a.stop()
            await b.stop()
            return (seen[0], seen[1], seen[2], who, leaves, quiet)
        }
        for (name, seen) in [("alice", seenByAlice), ("bob", seenByBob), ("carol", seenByCarol)] {
            #expect(seen.filter { $0.hasPrefix("alice> ") } == (0..<50).map { "alice> a\($0)" }, "\(name)")
            #expect(seen.filter { $0.hasPrefix("bob> ") } == (0..<50).map { "bob> b\($0)" }, "\(name)")
        }
        // On one server everyone sees one order.
        #expect(seenByBob == seenByCarol)
        #expect(who == "## online: alice, bob, carol")
        #expect(leaves == ["## alice left the chat.", "## alice left the chat."])
        #expect(quiet)
    }

    @Test func aNameTakenOnOneServerIsRefusedOnTheOtherAndFreeAgainOnceItLeaves() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let url = redis.url()
        let (refused, heard, refusedAgain, welcome, holder, newHolder) = try await onHub { () async throws -> (String, [String], String, String, String?, String) in
            let a = try await ChatNode.start(redis: url)
            let b = try await ChatNode.start(redis: url)
            let alice = try await HubChatClient.joined("alice", port: a.port, online: ["alice"])
            let bob = try await HubChatClient.joined("bob", port: b.port, online: ["alice", "bob"])
            _ = try await alice.readLine()
            let (newcomer, refused) = try await HubChatClient.answering("alice", port: b.port)

            // Quitting and coming back at once on the same server: the name stays there,
            // and bob hears both in order.
            try await alice.send("/quit")
            _ = try await alice.readLine()
            let back = try await HubChatClient.joined("alice", port: a.port, online: ["bob", "alice"])
            var heard = try await bob.readLines(2)
            _ = try await newcomer.readLine()  // the prompt again
            try await newcomer.send("alice")
            let refusedAgain = try await newcomer.readLine()

            // Once bob has heard of the leave, it is in Redis: the name is free everywhere.
            try await back.send("/quit")
            _ = try await back.readLine()
            heard.append(try await bob.readLine())
            _ = try await newcomer.readLine()
            try await newcomer.send("alice")
            let welcome = try await newcomer.readLine()
            let client = try await RedisClient.connect(RedisURL(parsing: url))
            defer { client.close() }
            let holder = try await client.command("HGET", "greenlet:chat:test:members", "alice").string
            await a.stop()
            await b.stop()
            return (refused, heard, refusedAgain, welcome, holder, b.federation.id + " 127.0.0.1")
        }
        #expect(refused == "## the name alice is taken")
        #expect(heard == ["## alice left the chat.", "## alice joined from 127.0.0.1.", "## alice left the chat."])
        #expect(refusedAgain == "## the name alice is taken")
        #expect(welcome == "## welcome, alice. online: bob, alice")
        #expect(holder == newHolder)
    }

    @Test func aServerWhoseSignOfLifeExpiredHasItsUsersAnnouncedLeftOnceAndRemoved() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let url = redis.url()
        let (joined, left, quiet, who, hash, leaveEvents) = try await onHub { () async throws -> (String, [String], Bool, String, RedisValue, Int) in
            let a = try await ChatNode.start(redis: url)
            let b = try await ChatNode.start(redis: url)
            let alice = try await HubChatClient.joined("alice", port: a.port, online: ["alice"])
            let bob = try await HubChatClient.joined("bob", port: b.port, online: ["alice", "bob"])
            _ = try await alice.readLine()
            // A server that died: its user in the hash and its join in the stream, and no
            // sign of life.
            let client = try await RedisClient.connect(RedisURL(parsing: url))
            defer { client.close() }
            let ghost = ChatEvent(origin: "00000000deadbeef", sequence: 1, name: "ghost", kind: .join(address: "10.0.0.9"))
            _ = try await client.command(bytes: ["EVAL", ChatRoomSchema.claim, "2", "greenlet:chat:test:members", "greenlet:chat:test:events",
                                                "ghost", "00000000deadbeef", "10.0.0.9"].map { Array($0.utf8) } + [ghost.encoded, Array("100".utf8)])
            let joined = try await alice.readLine()
            _ = try await bob.readLine()
            let started = MonotonicClock.now()
            let left = try await [alice, bob].asyncMap { try await $0.readLine(within: 3) }
            #expect(seconds(since: started) < 2.5)
            let quiet = await alice.staysQuiet(for: 0.5)
            try await bob.send("/who")
            let who = try await bob.readLine()
            let hash = try await client.command("HGETALL", "greenlet:chat:test:members")
            let entries = try await client.command("XRANGE", "greenlet:chat:test:events", "-", "+").array ?? []
            let leaveEvents = entries.compactMap { $0.array?[1].array?[1] }.filter {
                if case .bulk(let bytes) = $0 { return ChatEvent(decoding: bytes)?.kind == .leave(owner: "00000000deadbeef") }
                return false
            }.count
            await a.stop()
            await b.stop()
            return (joined, left, quiet, who, hash, leaveEvents)
        }
        #expect(joined == "## ghost joined from 10.0.0.9.")
        #expect(left == ["## ghost left the chat.", "## ghost left the chat."])
        #expect(quiet)
        #expect(who == "## online: alice, bob")
        #expect(hash.array?.compactMap(\.string).filter { $0 == "ghost" } == [], "\(hash)")
        // Both servers took the ghost out; one announced it in Redis.
        #expect(leaveEvents == 1)
    }

    @Test func redisRestartingNeverStallsLocalUsersAndWhatWasSaidMeanwhileCrossesAfter() async throws {
        let redis = try RedisServer(persistent: true)
        defer { redis.stop() }
        let url = redis.url()
        let address = "127.0.0.1:\(redis.port)"
        let (during, afterOnB, afterOnA, warningsA, warningsB, who) = try await onHub {
            () async throws -> ([String], [String], [String], [String], [String], String) in
            let a = try await ChatNode.start(redis: url)
            let b = try await ChatNode.start(redis: url)
            let alice = try await HubChatClient.joined("alice", port: a.port, online: ["alice"])
            let amy = try await HubChatClient.joined("amy", port: a.port, online: ["alice", "amy"])
            _ = try await alice.readLine()
            let bob = try await HubChatClient.joined("bob", port: b.port, online: ["alice", "amy", "bob"])
            for client in [alice, amy] { _ = try await client.readLine() }

            let restart = spawn { try await blocking { try redis.restart(after: 1) } }
            try await waitUntil(within: 5) { !a.warnings.lines.isEmpty && !b.warnings.lines.isEmpty }
            // Redis is down: local lines still go round at once.
            var during: [String] = []
            for index in 0..<3 {
                let started = MonotonicClock.now()
                try await alice.send("down \(index)")
                during += try await [alice, amy].asyncMap { try await $0.readLine(within: 0.5) }
                #expect(seconds(since: started) < 0.5)
            }
            try await restart.value
            // What alice said meanwhile reaches bob once both servers are back, in order.
            let afterOnB = try await bob.readLines(3, within: 10)
            try await bob.send("back")
            let afterOnA = try await [alice, amy, bob].asyncMap { try await $0.readLine(within: 10) }
            try await bob.send("/who")
            let who = try await bob.readLine()
            await a.stop()
            await b.stop()
            return (during, afterOnB, afterOnA, a.warnings.lines, b.warnings.lines, who)
        }
        #expect(during == (0..<3).flatMap { ["alice> down \($0)", "alice> down \($0)"] })
        #expect(afterOnB == (0..<3).map { "alice> down \($0)" })
        #expect(afterOnA == ["bob> back", "bob> back", "bob> back"])
        #expect(who == "## online: alice, amy, bob")
        for warnings in [warningsA, warningsB] {
            // One line when Redis goes (what the network said may vary), one when it is back.
            #expect(warnings.count == 2, "\(warnings)")
            #expect(warnings.first?.hasPrefix("redis \(address): ") == true && warnings.first?.hasSuffix("; reconnecting") == true, "\(warnings)")
            #expect(warnings.last == "redis \(address): connected again")
        }
    }

    @Test func anUnreachableRedisAtStartIsAnErrorNamingIt() async throws {
        let port = try unusedPort()
        let message = try await onHub { () async throws -> String? in
            do {
                _ = try await ChatNode.start(redis: "redis://127.0.0.1:\(port)")
            } catch let error as RedisError {
                return error.description
            }
            return nil
        }
        #expect(message == "redis 127.0.0.1:\(port): connection refused")
    }

    @Test func aRoomNeedsAName() throws {
        #expect(throws: RedisError.invalidURL("redis://127.0.0.1:6379 (no room name: redis://HOST:PORT/ROOM)")) {
            try ChatServer.Federation(url: RedisURL(parsing: "redis://127.0.0.1:6379/"))
        }
        let numeric = try ChatServer.Federation(url: RedisURL(parsing: "redis://127.0.0.1:6379/2"))
        #expect(numeric.room == "2" && numeric.redis.database == nil)
    }
}

/// Looks at `condition` every 10 ms until it holds; throws `TimeoutError` after `seconds`.
func waitUntil(within seconds: Double, _ condition: () -> Bool) async throws {
    try await withTimeout(seconds: seconds) {
        while !condition() { try await sleep(seconds: 0.01) }
    }
}

extension Array {
    /// `map` with an async transform, one element after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
