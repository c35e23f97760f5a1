import GreenletClient
import GreenletHTTP
import GreenletTLS

/// What reached a sink: how often each call came, the head, and the body as a byte count,
/// a SHA-256 and (up to 4 KiB) the bytes themselves.
struct Received: Sendable, Equatable {
    var begins = 0
    var finishes = 0
    var status: Int?
    var url: HTTPURL?
    var byteCount = 0
    var sha256 = ""
    /// The body's first 4 KiB as text, for short answers such as `redirected\n`.
    var text = ""
}

/// A sink that hashes the body as it arrives and keeps its start; with `failAfter`, it
/// refuses the body once that many bytes have come (a full disk, say).
final class RecordingSink: ResponseSink {
    private var digest = SHA256()
    private var start: [UInt8] = []
    private var record = Received()
    private let failAfter: Int?

    init(failAfter: Int? = nil) {
        self.failAfter = failAfter
    }

    var received: Received {
        var copy = digest
        var result = record
        result.sha256 = copy.finalizeHex()
        result.text = String(decoding: start, as: UTF8.self)
        return result
    }

    func begin(_ head: HTTPResponseHead, url: HTTPURL) async throws {
        record.begins += 1
        record.status = head.status.code
        record.url = url
    }

    func append(_ bytes: ArraySlice<UInt8>) async throws {
        if let failAfter, record.byteCount + bytes.count > failAfter { throw SinkFull() }
        record.byteCount += bytes.count
        bytes.withUnsafeBytes { digest.update($0) }
        start += bytes.prefix(max(0, 4096 - start.count))
    }

    func finish() async throws {
        record.finishes += 1
    }
}

struct SinkFull: Error, CustomStringConvertible {
    var description: String { "disk full" }
}
