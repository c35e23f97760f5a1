import GreenletHTTP

/// Reads HTTP messages from a `ByteStream` with a sans-I/O parser: the loop of parse, read
/// more, parse again, and end of stream handed to the parser, for the client's responses
/// and a server's requests alike.
///
/// The reader holds the buffer and the parser, not the stream: each call names the stream,
/// so a server's concrete `GreenStream` gets a reader specialised for it (the loop is
/// inlinable into the caller's module), while the client passes whichever stream it dialed.
public struct MessageReader<Parser: HTTPMessageParser> {
    public var parser: Parser
    @usableFromInline var input: [UInt8]
    /// The parser has not consumed `input[start..<end]` yet.
    @usableFromInline var start = 0
    @usableFromInline var end = 0
    @usableFromInline var received = false
    @usableFromInline var ended = false
    /// Whether any byte has come since the reader was made.
    public var hasReceived: Bool { received }
    /// Whether the stream has ended (a close-delimited body, a peer that hung up).
    public var hasReachedEnd: Bool { ended }

    public init(parser: Parser, bufferSize: Int = 64 * 1024) {
        self.parser = parser
        // Not zeroed: only bytes a read has written are ever looked at, and a client makes
        // one reader per response (zeroing 64 KiB each time was a tenth of a small fetch).
        input = [UInt8](unsafeUninitializedCapacity: bufferSize) { _, count in count = bufferSize }
    }

    /// The next event read from `stream`; nil when it ended between messages. Body pieces
    /// are slices of the reader's buffer, good until the next call.
    /// - Parameter beforeReading: called with the parser before each read that may wait,
    ///   as a server marks a connection busy once a request has begun.
    /// - Throws: `HTTPParseError` (an end inside a message is `unexpectedEndOfInput`), the
    ///   stream's errors.
    @inlinable
    public mutating func nextEvent<Stream: ByteStream>(
        from stream: Stream, beforeReading: (borrowing Parser) -> Void = { _ in }
    ) async throws -> HTTPParseEvent<Parser.Head>? {
        while true {
            let step = try parser.parse(input[start..<end])
            start += step.consumed
            if let event = step.event { return event }
            // No event: the parser took all the input (it keeps a partial head itself), so
            // the next read refills the buffer from its start.
            beforeReading(parser)
            let count = try await stream.read(into: &input)
            if count == 0 {
                ended = true
                return try parser.finish()
            }
            received = true
            start = 0
            end = count
        }
    }
}
