// fetch URL: GETs one http or https URL on a hub, following redirects, and writes the
// body to stdout; the status and size go to stderr. Exits 1 when the fetch fails or the
// status is not 2xx, 64 on a bad command line.
import Glibc
import Greenlet
import GreenletClient
import GreenletHTTP
import GreenletTLS

/// Writes all of `bytes` to the file descriptor `fd` (1 is stdout, 2 stderr).
func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) {
    var rest = Array(bytes)[...]
    while !rest.isEmpty {
        let count = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        rest = rest.dropFirst(count)
    }
}

/// Writes each piece of the body to stdout as it arrives, and counts it.
final class StandardOutput: ResponseSink {
    var byteCount = 0

    func begin(_ head: HTTPResponseHead, url: HTTPURL) async throws {}

    func append(_ bytes: ArraySlice<UInt8>) async throws {
        writeAll(1, bytes)
        byteCount += bytes.count
    }

    func finish() async throws {}
}

func fail(_ message: String, status: Int32) -> Never {
    writeAll(2, "fetch: \(message)\n".utf8)
    exit(status)
}

guard CommandLine.arguments.count == 2 else { fail("usage: fetch URL", status: 64) }
let url: HTTPURL
do {
    url = try HTTPURL(parsing: CommandLine.arguments[1])
} catch {
    fail("\(error)", status: 64)
}

let status = try Hub.run { () async throws -> Int32 in
    let client = HTTPClient(dialer: GreenDialer(tls: try TLSContext.client()), options: HTTPClient.Options(timeout: 10))
    defer { client.close() }
    let body = StandardOutput()
    let report = await client.get(url, into: body)
    if let error = report.error { fail("\(error) (\(url))", status: 1) }
    let code = report.status ?? 0
    writeAll(2, "\(code) \(body.byteCount) bytes \(report.finalURL?.description ?? "")\n".utf8)
    return (200..<300).contains(code) ? 0 : 1
}
exit(status)
