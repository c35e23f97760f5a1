import GreenletRedis
import Testing

@Suite("RedisReplyReader")
struct RedisReplyReaderTests {
    /// Every kind of reply, nested, as a server sends it.
    static let wire = Array("+OK\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*3\r\n$1\r\na\r\n*1\r\n:7\r\n*-1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n".utf8)
    static let expected: [Result<RedisValue, RedisError>] = [
        .success(.status("OK")),
        .success(.integer(-42)),
        .success(.bulk(Array("he\r\no".utf8))),
        .success(.null),
        .success(.array([.bulk([UInt8(ascii: "a")]), .array([.integer(7)]), .null])),
        .failure(.wrongType("WRONGTYPE Operation against a key holding the wrong kind of value")),
    ]

    @Test func repliesSplitAtEveryByteArriveWhole() throws {
        for split in 0...Self.wire.count {
            let reader = RedisReplyReader()
            var replies: [Result<RedisValue, RedisError>] = []
            for part in [Array(Self.wire[..<split]), Array(Self.wire[split...])] {
                try reader.feed(part)
                while let reply = try reader.next() { replies.append(reply) }
            }
            #expect(replies == Self.expected, "split at \(split)")
        }
    }

    @Test func anErrorInsideAnArrayIsAnErrorValue() throws {
        let reader = RedisReplyReader()
        try reader.feed(Array("*2\r\n+OK\r\n-ERR value is not an integer or out of range\r\n".utf8))
        #expect(try reader.next() == .success(.array([.status("OK"), .error("ERR value is not an integer or out of range")])))
    }

    @Test func anIncompleteReplyIsNotYetAReply() throws {
        let reader = RedisReplyReader()
        try reader.feed(Array("$10\r\nabc".utf8))
        #expect(try reader.next() == nil)
        try reader.feed(Array("defghij\r\n".utf8), count: 9)
        #expect(try reader.next() == .success(.bulk(Array("abcdefghij".utf8))))
    }

    @Test(arguments: [
        ("NOAUTH Authentication required.", RedisError.authentication("NOAUTH Authentication required.")),
        ("WRONGPASS invalid username-password pair", .authentication("WRONGPASS invalid username-password pair")),
        ("ERR unknown command 'NOPE'", .server("ERR unknown command 'NOPE'")),
    ])
    func errorRepliesAreClassified(message: String, error: RedisError) throws {
        let reader = RedisReplyReader()
        try reader.feed(Array("-\(message)\r\n".utf8))
        #expect(try reader.next() == .failure(error))
    }

    @Test func bytesThatAreNotRESPAreAProtocolError() throws {
        let reader = RedisReplyReader()
        try reader.feed(Array("HTTP/1.1 200 OK\r\n".utf8))
        #expect(throws: RedisError.protocolViolation("protocol error, got \"H\" as reply type byte")) {
            try reader.next()
        }
    }
}
