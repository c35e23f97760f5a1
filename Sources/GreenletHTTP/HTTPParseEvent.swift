import HTTPTypes

/// What a parser found in its input, in message order: one head, zero or more body pieces, one
/// end; then the next message's head.
public enum HTTPParseEvent<Head: Hashable & Sendable>: Hashable, Sendable {
    case head(Head)
    /// Body bytes: a slice of the caller's input, not a copy. Never empty. Chunked framing is
    /// removed.
    case body(ArraySlice<UInt8>)
    /// The message is complete; trailers are the fields after a chunked body (else empty).
    case end(trailers: HTTPFields)
}

/// One parser call's outcome.
public struct HTTPParseStep<Head: Hashable & Sendable>: Hashable, Sendable {
    /// Input bytes used; the caller passes the rest again (with more appended if it likes).
    public var consumed: Int
    /// Nil when all the input is consumed and more is needed for the next event.
    public var event: HTTPParseEvent<Head>?

    public init(consumed: Int, event: HTTPParseEvent<Head>?) {
        self.consumed = consumed
        self.event = event
    }
}
