import GreenletClient
import GreenletTLS

/// The two ways a client dials, for tests that run against both. Both run on a hub: the
/// client is async, and the blocking dialer's calls simply block the hub's thread.
public enum DialerKind: String, CaseIterable, Sendable {
    case green, blocking

    public func dialer(tls: TLSContext? = nil) throws -> any Dialer {
        let tls = try tls ?? TLSContext.client()
        return switch self {
        case .green: GreenDialer(tls: tls)
        case .blocking: BlockingDialer(tls: tls)
        }
    }

    public func client(_ options: HTTPClient.Options = HTTPClient.Options(), tls: TLSContext? = nil) throws -> HTTPClient {
        HTTPClient(dialer: try dialer(tls: tls), options: options)
    }
}
