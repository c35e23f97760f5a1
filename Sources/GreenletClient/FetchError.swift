import Greenlet
import GreenletHTTP
import GreenletTLS

/// Why a fetch got no (complete) response, in the short lowercase words a crawl prints:
/// each text contains the phrase a script can look for (`timed out`, `tls`, …).
public enum FetchError: Error, Equatable, CustomStringConvertible {
    case invalidURL(HTTPURLError)
    case unknownHost(String)
    case connectionRefused
    case connectionReset
    case timedOut
    case tooManyRedirects
    /// The bytes were not HTTP, or stopped before the message said it would end.
    case malformedResponse(String)
    case tls(TLSError)
    /// The proxy would not open a tunnel to the origin.
    case proxy(String)
    /// The sink could not take the body (a full disk, say).
    case sink(String)
    /// Anything else the network said.
    case network(String)

    public var description: String {
        switch self {
        case .invalidURL(let error): error.description
        case .unknownHost(let host): "unknown host \(host)"
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset"
        case .timedOut: "timed out"
        case .tooManyRedirects: "too many redirects"
        case .malformedResponse(let why): "malformed response: \(why)"
        case .tls(let error): error.description
        case .proxy(let why): "proxy: \(why)"
        case .sink(let why): why
        case .network(let why): why
        }
    }

    /// A failure of the connection rather than of the answer, which another attempt may
    /// get past: refused, reset, timed out, closed before or in the middle of a response.
    public var isTransient: Bool {
        switch self {
        case .connectionRefused, .connectionReset, .timedOut, .network: true
        case .malformedResponse(let why): why == Self.closedBeforeResponse || why == HTTPParseError.unexpectedEndOfInput.description
        default: false
        }
    }

    /// Why a response that never began failed.
    static let closedBeforeResponse = "connection closed before a response"

    /// The fetch error for whatever a stream, parser or TLS session threw.
    init(_ error: any Error) {
        switch error {
        case let error as FetchError: self = error
        case let error as TLSError: self = .tls(error)
        case let error as HTTPURLError: self = .invalidURL(error)
        case let error as HTTPParseError: self = .malformedResponse(error.description)
        case is TimeoutError: self = .timedOut
        case let error as NetworkError:
            switch error {
            case .hostNotFound(let host): self = .unknownHost(host)
            case .connectionRefused: self = .connectionRefused
            case .connectionReset: self = .connectionReset
            case .timedOut: self = .timedOut
            default: self = .network(error.description.lowercased())
            }
        default: self = .network("\(error)")
        }
    }
}
