import Greenlet
import GreenletRedis
import GreenletTestSupport
import Testing
@testable import GreenletTools

/// The load of `greenlet bench chat`, driven on the test's hub against chat servers of the
/// same hub: one plain server, and two serving one room through a real redis-server.
// Three minutes: the test's own work takes seconds, but under ThreadSanitizer, with the
// whole suite running, its resumption can wait a minute for a test-pool thread.
@Suite("ChatLoad", .serialized, .timeLimit(.minutes(3)))
struct ChatLoadTests {
    @Test func usersAreDealtToTheTargetsRoundRobin() {
        #expect((0..<7).map { ChatLoad.targetIndex(ofUser: $0, targets: 3) } == [0, 1, 2, 0, 1, 2, 0])
        #expect((0..<4).map { ChatLoad.targetIndex(ofUser: $0, targets: 1) } == [0, 0, 0, 0])
    }

    @Test func everyLineReachesEveryUserOfOneServer() async throws {
        let row = try await onHub { () async throws -> BenchmarkReport.Row in
            let server = Server(listener: try Listener(host: "127.0.0.1", port: 0),
                                handler: ChatServer.session(in: ChatRoom(), limits: ChatServer.Limits()))
            let serving = spawn("chat server") { try await server.run(signals: []) }
            defer { serving.kill() }
            return try await ChatLoad.drive(targets: [("127.0.0.1", server.listener.localAddress.port)], clients: 3, messages: 20)
        }
        #expect(row.mode == "target")
        #expect(row.value("deliveries") == Double(3 * 3 * 20))
        #expect((row.value("delivery_p50_us") ?? 0) > 0)
        #expect(row.value("remote_delivery_p50_us") == nil)
    }

    @Test func usersSpreadOverTwoServersOfOneRoomStillGetEveryLine() async throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let url = redis.url()
        let (row, joinsByServer, servers) = try await onHub { () async throws -> (BenchmarkReport.Row, [String: Int], [String]) in
            let a = try await ChatNode.start(redis: url)
            let b = try await ChatNode.start(redis: url)
            let row = try await ChatLoad.drive(targets: [("127.0.0.1", a.port), ("127.0.0.1", b.port)], clients: 4, messages: 25)
            // Which server each user joined through, from the joins in the room's stream.
            let client = try await RedisClient.connect(RedisURL(parsing: url))
            defer { client.close() }
            let entries = try await client.command("XRANGE", ChatRoomSchema(room: "test").events, "-", "+").array ?? []
            var joins: [String: Int] = [:]
            for case .bulk(let bytes)? in entries.map({ $0.array?[1].array?[1] }) {
                if let event = ChatEvent(decoding: bytes), case .join = event.kind { joins[event.origin, default: 0] += 1 }
            }
            await a.stop()
            await b.stop()
            return (row, joins, [a.federation.id, b.federation.id])
        }
        #expect(row.value("deliveries") == Double(4 * 4 * 25))
        // Half of each line's deliveries cross to the other server, through Redis.
        #expect((row.value("remote_delivery_p50_us") ?? 0) > 0)
        #expect((row.value("remote_delivery_p99_us") ?? 0) >= (row.value("remote_delivery_p50_us") ?? .infinity))
        #expect(joinsByServer == [servers[0]: 2, servers[1]: 2])
    }
}
