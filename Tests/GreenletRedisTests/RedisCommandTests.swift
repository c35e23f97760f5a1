import GreenletRedis
import Testing

@Suite("RedisCommand")
struct RedisCommandTests {
    @Test func argumentsAreBulkStrings() {
        #expect(String(decoding: RedisCommand.encode(["SET", "key", "value"]), as: UTF8.self)
            == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
    }

    @Test func binaryAndEmptyArgumentsPassWhole() {
        let wire = RedisCommand.encode([Array("SET".utf8), [0x0D, 0x0A, 0x00, 0xFF], []])
        #expect(wire == Array("*3\r\n$3\r\nSET\r\n$4\r\n".utf8) + [0x0D, 0x0A, 0x00, 0xFF] + Array("\r\n$0\r\n\r\n".utf8))
    }
}
