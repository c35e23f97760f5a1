import GreenletHTTP

/// Where a fetched response's body goes, piece by piece as it arrives (a hasher, a file):
/// the client never holds a body whole. Only the final response of a redirect chain
/// reaches the sink.
public protocol ResponseSink: AnyObject {
    /// The final response's head, and the URL that gave it.
    func begin(_ head: HTTPResponseHead, url: HTTPURL) async throws
    /// The next piece of the body (de-chunked).
    func append(_ bytes: ArraySlice<UInt8>) async throws
    /// The body is complete.
    func finish() async throws
}
