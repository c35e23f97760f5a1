/// Why a string is not a URL an HTTP client can fetch.
public enum HTTPURLError: Error, Equatable, CustomStringConvertible {
    /// Not an absolute http(s) URL; the text says what is wrong, or is empty.
    case invalid(String)
    /// A scheme other than http and https (lowercased).
    case unsupportedScheme(String)

    /// One lowercase line, such as `invalid url: empty host` or `unsupported scheme ftp`.
    public var description: String {
        switch self {
        case .invalid(let reason): reason.isEmpty ? "invalid url" : "invalid url: \(reason)"
        case .unsupportedScheme(let scheme): "unsupported scheme \(scheme)"
        }
    }
}
