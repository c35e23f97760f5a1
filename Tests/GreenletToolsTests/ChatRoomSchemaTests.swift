import GreenletRedis
import GreenletTestSupport
@testable import GreenletTools
import Testing

@Suite("ChatRoomSchema", .serialized)
struct ChatRoomSchemaTests {
    @Test func streamEntriesCompareAsNumbersPartByPart() {
        #expect(ChatRoomSchema.entry("10-0", isAfter: "9-5"))
        #expect(ChatRoomSchema.entry("5-10", isAfter: "5-9"))
        #expect(!ChatRoomSchema.entry("5-9", isAfter: "5-10"))
        #expect(!ChatRoomSchema.entry("5-9", isAfter: "5-9"))
        #expect(ChatRoomSchema.entry("1-0", isAfter: "0-0"))
    }

    @Test func aHolderIsTheServerThenTheAddressWhichMayHoldColons() {
        #expect(ChatRoomSchema.holder("00ab 127.0.0.1")! == ("00ab", "127.0.0.1"))
        #expect(ChatRoomSchema.holder("00ab ::1")! == ("00ab", "::1"))
        #expect(ChatRoomSchema.holder("00ab") == nil)
    }

    /// The scripts against a real redis-server: a name is one server's until it is released
    /// by that server, and each claim and release adds its event to the stream.
    @Test func aNameIsClaimedByOneServerAndReleasedOnlyByIt() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let schema = ChatRoomSchema(room: "test")
        let (replies, kept, holder, events) = try await withRedis(server) { redis async throws -> ([RedisValue], String?, String?, Int) in
            func claim(_ server: String, payload: String) async throws -> RedisValue {
                try await redis.command("EVAL", ChatRoomSchema.claim, "2", schema.members, schema.events, "alice", server, "127.0.0.1", payload, "100")
            }
            func release(_ server: String, keep: Bool = false) async throws -> RedisValue {
                try await redis.command("EVAL", ChatRoomSchema.release, "2", schema.members, schema.events, "alice", server, "leave", "100", keep ? "keep" : "")
            }
            var replies = [try await claim("aaaa", payload: "join")]
            replies.append(try await claim("bbbb", payload: "join"))   // taken
            replies.append(try await claim("aaaa", payload: ""))       // its own: fine, no event
            replies.append(try await release("bbbb"))                  // not bbbb's
            replies.append(try await release("aaaa", keep: true))      // announced, still held
            let kept = try await redis.command("HGET", schema.members, "alice").string
            replies.append(try await release("aaaa"))
            replies.append(try await claim("bbbb", payload: "join"))   // free again
            let events = try await redis.command("XLEN", schema.events).int ?? -1
            return (replies, kept, try await redis.command("HGET", schema.members, "alice").string, events)
        }
        #expect(replies[0].array?.first?.int == 1 && replies[0].array?.last?.string == "0-0")
        #expect(replies[1].array?.count == 1 && replies[1].array?.first?.int == 0)
        #expect(replies[2].array?.first?.int == 1)
        #expect(replies[3].int == 0 && replies[4].int == 1 && replies[5].int == 1)
        #expect(replies[6].array?.first?.int == 1)
        #expect(kept == "aaaa 127.0.0.1" && holder == "bbbb 127.0.0.1")
        #expect(events == 4, "two joins and two leaves; the claim without a payload and the refused release add nothing")
    }
}
