import Greenlet
import GreenletRedis
import GreenletTestSupport
import Testing

/// Against a real redis-server started for each test.
@Suite("RedisClient", .serialized)
struct RedisClientTests {
    @Test func commandsGetTheirReplies() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let replies = try await withRedis(server) { client async throws -> [RedisValue] in
            return [
                try await client.command("SET", "greeting", "hello\r\nworld"),
                try await client.command("GET", "greeting"),
                try await client.command("GET", "missing"),
                try await client.command("RPUSH", "list", "a", "b"),
                try await client.command("LRANGE", "list", "0", "-1"),
            ]
        }
        #expect(replies == [
            .status("OK"), .bulk(Array("hello\r\nworld".utf8)), .null, .integer(2),
            .array([.bulk([UInt8(ascii: "a")]), .bulk([UInt8(ascii: "b")])]),
        ])
    }

    @Test func aPipelineIsOneWriteAndEveryReplyInOrder() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let replies = try await withRedis(server) { client async throws -> [Result<RedisValue, RedisError>] in
            _ = try await client.command("SET", "text", "x")
            return try await client.pipeline((0..<1_000).map { _ in ["INCR", "counter"] } + [["INCR", "text"], ["GET", "counter"]])
        }
        #expect(replies.count == 1_002)
        #expect(replies[..<1_000].map { try? $0.get() } == (1...1_000).map { .integer($0) })
        #expect(replies[1_000] == .failure(.server("ERR value is not an integer or out of range")))
        #expect(replies[1_001] == .success(.bulk(Array("1000".utf8))))
    }

    @Test func aWrongTypeIsItsOwnError() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let error = try await withRedis(server) { client async throws -> RedisError? in
            _ = try await client.command("SET", "s", "1")
            do { _ = try await client.command("LPUSH", "s", "x") } catch let error as RedisError { return error }
            return nil
        }
        #expect(error == .wrongType("WRONGTYPE Operation against a key holding the wrong kind of value"))
    }

    @Test func greenThreadsSharingAClientEachGetTheirOwnReplies() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let mismatches = try await withRedis(server) { client async throws -> Int in
            let threads = (0..<50).map { i in
                spawn { () async throws -> Int in
                    var wrong = 0
                    for j in 0..<20 {
                        let reply = try await client.command("ECHO", "\(i)-\(j)")
                        if reply != .bulk(Array("\(i)-\(j)".utf8)) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await joinAll(threads).reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test func aRefusedConnectionNamesTheAddress() async throws {
        let port = try unusedPort()
        let message = try await onHub { () async throws -> String? in
            do {
                _ = try await RedisClient.connect(RedisURL(parsing: "redis://127.0.0.1:\(port)/q"))
            } catch let error as RedisError {
                return error.description
            }
            return nil
        }
        #expect(message == "redis 127.0.0.1:\(port): connection refused")
    }

    @Test func aPasswordIsSentAndAWrongOneRefused() async throws {
        let server = try RedisServer(arguments: ["--requirepass", "s3cret"])
        defer { server.stop() }
        let outcome = try await onHub { () async throws -> (RedisValue, RedisError?, RedisError?) in
            let good = try await RedisClient.connect(RedisURL(parsing: "redis://:s3cret@127.0.0.1:\(server.port)"))
            defer { good.close() }
            var wrong: RedisError?
            do { _ = try await RedisClient.connect(RedisURL(parsing: "redis://:nope@127.0.0.1:\(server.port)")) } catch let error as RedisError { wrong = error }
            let anonymous = try await RedisClient.connect(RedisURL(parsing: server.url()))
            defer { anonymous.close() }
            var none: RedisError?
            do { _ = try await anonymous.command("GET", "k") } catch let error as RedisError { none = error }
            return (try await good.command("PING"), wrong, none)
        }
        #expect(outcome.0 == .status("PONG"))
        guard case .authentication(let wrong) = outcome.1 else { Issue.record("wrong password: \(String(describing: outcome.1))"); return }
        #expect(wrong.hasPrefix("WRONGPASS"))
        guard case .authentication(let none) = outcome.2 else { Issue.record("no password: \(String(describing: outcome.2))"); return }
        #expect(none.hasPrefix("NOAUTH"))
    }

    @Test func aNumericPathSelectsTheDatabase() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let values = try await onHub { () async throws -> [RedisValue] in
            let zero = try await RedisClient.connect(RedisURL(parsing: server.url()))
            let five = try await RedisClient.connect(RedisURL(parsing: server.url("5")))
            defer { zero.close(); five.close() }
            _ = try await five.command("SET", "k", "in five")
            return [try await zero.command("GET", "k"), try await five.command("GET", "k")]
        }
        #expect(values == [.null, .bulk(Array("in five".utf8))])
    }

    @Test func publishedMessagesReachASubscriber() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let (messages, quiet) = try await onHub { () async throws -> ([RedisMessage], RedisMessage?) in
            let url = try RedisURL(parsing: server.url())
            let subscriber = try await RedisClient.connect(url)
            let publisher = try await RedisClient.connect(url)
            defer { subscriber.close(); publisher.close() }
            try await subscriber.subscribe(["room", "other"])
            let quiet = try await subscriber.nextMessage(timeout: 0.05)
            for text in ["one", "two", "three"] { _ = try await publisher.command("PUBLISH", "room", text) }
            _ = try await publisher.command("PUBLISH", "other", "four")
            var messages: [RedisMessage] = []
            for _ in 0..<4 { messages.append(try #require(try await subscriber.nextMessage(timeout: 5))) }
            return (messages, quiet)
        }
        #expect(quiet == nil)
        #expect(messages.map(\.channel) == ["room", "room", "room", "other"])
        #expect(messages.map(\.text) == ["one", "two", "three", "four"])
    }

    @Test func aServerThatGoesAwayClosesTheClient() async throws {
        let server = try RedisServer()
        let errors = try await onHub { () async throws -> [RedisError?] in
            let client = try await RedisClient.connect(RedisURL(parsing: server.url()))
            _ = try await client.command("PING")
            server.stop()
            var errors: [RedisError?] = []
            for _ in 0..<2 {
                do { _ = try await client.command("PING"); errors.append(nil) } catch let error as RedisError { errors.append(error) }
            }
            return errors
        }
        guard case .connection(let address, _) = errors[0] else { Issue.record("first: \(String(describing: errors[0]))"); return }
        #expect(address == "127.0.0.1:\(server.port)")
        #expect(errors[1] == .closed)
    }
}
