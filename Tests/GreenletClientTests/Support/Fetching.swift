import Greenlet
import GreenletClient
import GreenletHTTP
import GreenletTestSupport
import GreenletTLS
import GreenletTools
import Testing

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
