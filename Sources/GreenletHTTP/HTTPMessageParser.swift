/// What the request and response parsers have in common, so that code reading messages
/// from a stream is written once for both.
public protocol HTTPMessageParser {
    associatedtype Head: Hashable & Sendable
    mutating func parse(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPParseStep<Head>
    mutating func finish() throws(HTTPParseError) -> HTTPParseEvent<Head>?
}

extension HTTPRequestParser: HTTPMessageParser {}
extension HTTPResponseParser: HTTPMessageParser {}
