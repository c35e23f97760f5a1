import GreenletHTTP

/// Reads HTTP messages from a `ByteStream` with a sans-I/O parser: the loop of parse, read
/// more, parse again, and end of stream handed to the parser, for the client's responses
/// and a server's requests alike.
public struct MessageReader<Parser: HTTPMessageParser> {
    public let stream: any ByteStream
    public var parser: Parser
    private var input: [UInt8]
    private var start = 0
    private var end = 0
    /// Whether any byte has come since the reader was made.
    public private(set) var hasReceived = false
    /// Whether the stream has ended (a close-delimited body, a peer that hung up).
    public private(set) var hasReachedEnd = false

    public init(stream: any ByteStream, parser: Parser, bufferSize: Int = 64 * 1024) {
        self.stream = stream
        self.parser = parser
        // Not zeroed: only bytes a read has written are ever looked at, and a client makes
        // one reader per response (zeroing 64 KiB each time was a tenth of a small fetch).
        input = [UInt8](unsafeUninitializedCapacity: bufferSize) { _, count in count = bufferSize }
    }

    /// The next event; nil when the stream ended between messages. Body pieces are slices
    /// of the reader's buffer, good until the next call.
    /// - Throws: `HTTPParseError` (an end inside a message is `unexpectedEndOfInput`), the
    ///   stream's errors.
    public mutating func nextEvent() async throws -> HTTPParseEvent<Parser.Head>? {
        while true {
            let step = try parser.parse(input[start..<end])
            start += step.consumed
            if let event = step.event { return event }
            let count = try await stream.read(into: &input)
            if count == 0 {
                hasReachedEnd = true
                return try parser.finish()
            }
            hasReceived = true
            start = 0
            end = count
        }
    }
}
