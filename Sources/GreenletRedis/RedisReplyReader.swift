import CHiredis

/// Turns the bytes a Redis server sends into replies, with hiredis's reader (sans-I/O:
/// it knows nothing of sockets). Feed it what arrived, then take replies until it needs
/// more.
public final class RedisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    public init() {
        guard let reader = redisReaderCreate() else { fatalError("redisReaderCreate: out of memory") }
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Adds bytes received from the server: the first `count` of `bytes` (all of them by
    /// default), so that a connection can feed the buffer it reads into.
    public func feed(_ bytes: [UInt8], count: Int? = nil) throws(RedisError) {
        let count = count ?? bytes.count
        precondition(count <= bytes.count, "feed count past the buffer")
        let accepted = bytes.withUnsafeBytes { raw in
            count == 0 || redisReaderFeed(reader, raw.baseAddress!.assumingMemoryBound(to: CChar.self), count) == REDIS_OK
        }
        if !accepted { throw failure() }
    }

    /// The next complete reply: a value, or an error reply's message; nil when the bytes fed
    /// so far end inside a reply.
    /// - Throws: `RedisError.protocolViolation` when the bytes are not RESP; the reader is
    ///   then unusable, as is the connection they came from.
    public func next() throws(RedisError) -> Result<RedisValue, RedisError>? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw failure() }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        if reply.pointee.type == REDIS_REPLY_ERROR {
            return .failure(RedisError(reply: Self.text(reply)))
        }
        return .success(Self.value(reply))
    }

    private func failure() -> RedisError {
        let message = withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .protocolViolation(message.isEmpty ? "unreadable reply" : message.prefix(1).lowercased() + message.dropFirst())
    }

    private static func text(_ reply: UnsafeMutablePointer<redisReply>) -> String {
        String(decoding: bytes(reply), as: UTF8.self)
    }

    private static func bytes(_ reply: UnsafeMutablePointer<redisReply>) -> UnsafeRawBufferPointer {
        guard let str = reply.pointee.str else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: str, count: Int(reply.pointee.len))
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        switch reply.pointee.type {
        case REDIS_REPLY_STRING: return .bulk(Array(bytes(reply)))
        case REDIS_REPLY_STATUS: return .status(text(reply))
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.pointee.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(reply.pointee.elements)).map { value(reply.pointee.element[$0]!) })
        case REDIS_REPLY_ERROR: return .error(text(reply))
        default: return .null
        }
    }
}
