/// One Redis reply (RESP2), as hiredis's reader parsed it. A reply that is an error is not
/// a value: `RedisClient` throws it as a `RedisError`, or hands it back in a pipeline's
/// results; only an error inside an array (EXEC's results) is a value, `.error`.
public enum RedisValue: Equatable, Sendable {
    /// A bulk string: bytes, not necessarily UTF-8.
    case bulk([UInt8])
    /// A simple status line, such as `OK` or `PONG`.
    case status(String)
    case integer(Int)
    /// A null bulk string or null array (a missing key, an XREADGROUP that timed out).
    case null
    case array([RedisValue])
    /// An error reply inside an array, as the server sent it.
    case error(String)

    /// The value as text: a bulk string (decoded as UTF-8, invalid bytes replaced) or a
    /// status; nil for anything else.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The integer, or a bulk string holding one (HGET of a counter); nil otherwise.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// The elements of an array; nil for anything else (a null array included).
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }
}
