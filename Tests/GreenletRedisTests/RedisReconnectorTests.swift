import Greenlet
import GreenletRedis
import GreenletTestSupport
import Testing

/// Against a real redis-server, stopped and started again under the reconnector.
@Suite("RedisReconnector", .serialized)
struct RedisReconnectorTests {
    @Test func aCallThroughARestartWaitsForTheServerAndSaysSoTwice() async throws {
        let server = try RedisServer(persistent: true)
        defer { server.stop() }
        let url = server.url()
        let (value, warnings, roundTrips) = try await onHub { () async throws -> (RedisValue, [String], Int) in
            var warnings: [String] = []
            let reconnector = RedisReconnector(url: try RedisURL(parsing: url)) { warnings.append($0) }
            defer { reconnector.close() }
            _ = try await reconnector.run { try await $0.command("SET", "kept", "yes") }
            let restart = spawn("restart") { try await blocking { try server.restart(after: 0.5) } }
            try await sleep(seconds: 0.2)  // the server is down now: SIGTERM is quick, the downtime is not
            let value = try await reconnector.run { try await $0.command("GET", "kept") }
            try await restart.value
            return (value, warnings, reconnector.roundTrips)
        }
        #expect(value == .bulk(Array("yes".utf8)))
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.first?.hasPrefix("redis 127.0.0.1:\(server.port): ") == true && warnings.first?.hasSuffix("; reconnecting") == true, "\(warnings)")
        #expect(warnings.last == "redis 127.0.0.1:\(server.port): connected again")
        #expect(roundTrips >= 2)
    }

    @Test func anErrorReplyIsNotRetried() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let url = server.url()
        let (error, warnings, attempts) = try await onHub { () async throws -> (RedisError?, [String], Int) in
            var warnings: [String] = []
            var attempts = 0
            let reconnector = RedisReconnector(url: try RedisURL(parsing: url)) { warnings.append($0) }
            defer { reconnector.close() }
            do {
                _ = try await reconnector.run { client in
                    attempts += 1
                    return try await client.command("NOSUCHCOMMAND")
                }
                return (nil, warnings, attempts)
            } catch let error as RedisError {
                return (error, warnings, attempts)
            }
        }
        #expect(error?.description.hasPrefix("redis: ERR unknown command") == true, "\(String(describing: error))")
        #expect(warnings.isEmpty && attempts == 1)
    }
}
