/// Why a `Content-Encoding` body could not be decoded. The decoder throws it again on every
/// later call: what it produced so far is all there is.
public enum ContentDecodingError: Error, Hashable, Sendable {
    /// The bytes are not that coding (a bad header, checksum or block), or need a preset
    /// dictionary, which HTTP has no way to name.
    case corrupt(ContentDecoder.Coding)
    /// The body ended before the compressed stream did.
    case truncated(ContentDecoder.Coding)
}

extension ContentDecodingError: CustomStringConvertible {
    /// A few lowercase words, for a client's error text ("malformed response: bad gzip").
    public var description: String {
        switch self {
        case .corrupt(let coding): "bad \(coding.rawValue)"
        case .truncated(let coding): "truncated \(coding.rawValue)"
        }
    }
}
