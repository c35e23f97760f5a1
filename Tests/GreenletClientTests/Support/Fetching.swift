import Greenlet
import GreenletClient
import GreenletHTTP
import GreenletTLS
import GreenletTools
import Testing

/// The two ways a client dials, for tests that run against both. Both run on a hub: the
/// client is async, and the blocking dialer's calls simply block the hub's thread.
enum DialerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case green, blocking

    var testDescription: String { rawValue }

    func dialer(tls: TLSContext? = nil) throws -> any Dialer {
        let tls = try tls ?? TLSContext.client()
        return switch self {
        case .green: GreenDialer(tls: tls)
        case .blocking: BlockingDialer(tls: tls)
        }
    }

    func client(_ options: HTTPClient.Options = HTTPClient.Options(), tls: TLSContext? = nil) throws -> HTTPClient {
        HTTPClient(dialer: try dialer(tls: tls), options: options)
    }
}

/// One GET as a test sees it: the client's report, what reached the sink, and how long
/// the call took.
struct Fetched: Sendable {
    var report: HTTPClient.Report
    var received: Received
    var seconds: Double

    var status: Int? { report.status }
    var error: FetchError? { report.error }
    var errorText: String { report.error?.description ?? "" }
}

extension HTTPClient {
    /// GETs `url` into a fresh `RecordingSink`.
    func fetch(_ url: String, sink: RecordingSink = RecordingSink()) async throws -> Fetched {
        let parsed = try HTTPURL(parsing: url)
        let start = MonotonicClock.now()
        let report = await get(parsed, into: sink)
        return Fetched(report: report, received: sink.received, seconds: seconds(since: start))
    }
}

extension Origin {
    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String, scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }
}
