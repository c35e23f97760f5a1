import Glibc
import Greenlet
import GreenletHTTP
import GreenletStreams
import GreenletTestSupport
import GreenletTools
import Testing

/// The stream contract both dialers' streams keep: bytes both ways, the deadline re-read
/// before every call, errors as `NetworkError`.
@Suite("ByteStream")
struct ByteStreamTests {
    /// A response as read off a stream: its status, body size and the body's SHA-256.
    struct Answer: Sendable, Equatable {
        var status: Int
        var byteCount: Int
        var sha256: String
    }

    private static func request(_ path: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    }

    /// Reads one response off `stream`.
    private static func answer(from stream: any ByteStream) async throws -> Answer? {
        var reader = MessageReader(parser: HTTPResponseParser())
        var status: Int?
        var body: [UInt8] = []
        while let event = try await reader.nextEvent(from: stream) {
            switch event {
            case .head(let head): status = head.status.code
            case .body(let piece): body += piece
            case .end: return status.map { Answer(status: $0, byteCount: body.count, sha256: sha256(body)) }
            }
        }
        return nil
    }

    @Test(arguments: DialerKind.allCases)
    func aRequestAndItsResponseGoThrough(dialer: DialerKind) async throws {
        let answers = try await withOrigin { origin in
            let stream = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: origin.port, deadline: MonotonicClock.deadline(after: 10))
            defer { stream.close() }
            var answers: [Answer?] = []
            for path in ["/bytes/300000", "/chunked/1234"] {
                try await stream.write(Self.request(path))
                answers.append(try await Self.answer(from: stream))
            }
            return answers
        }
        #expect(answers == [
            Answer(status: 200, byteCount: 300_000, sha256: sha256(Origin.body(count: 300_000))),
            Answer(status: 200, byteCount: 1234, sha256: sha256(Origin.body(count: 1234))),
        ])
    }

    @Test(arguments: DialerKind.allCases)
    func aReadPastTheDeadlineTimesOutAndALaterDeadlineReadsOn(dialer: DialerKind) async throws {
        let (error, waited, answer) = try await withOrigin { origin async throws -> (NetworkError?, Double, Answer?) in
            let stream = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: origin.port, deadline: nil)
            defer { stream.close() }
            try await stream.write(Self.request("/bytes/64?delay=600"))
            stream.deadline = MonotonicClock.deadline(after: 0.2)
            let start = MonotonicClock.now()
            var buffer = [UInt8](repeating: 0, count: 1024)
            var error: NetworkError?
            do {
                _ = try await stream.read(into: &buffer)
            } catch let caught as NetworkError {
                error = caught
            }
            let waited = seconds(since: start)
            stream.deadline = MonotonicClock.deadline(after: 10)
            return (error, waited, try await Self.answer(from: stream))
        }
        #expect(error == .timedOut)
        #expect(waited >= 0.15)
        #expect(waited < 2)
        #expect(answer == Answer(status: 200, byteCount: 64, sha256: sha256(Origin.body(count: 64))))
    }

    @Test(arguments: DialerKind.allCases)
    func aDeadlineTakenAwayLetsAReadWait(dialer: DialerKind) async throws {
        let (result, waited) = try await withOrigin { origin async throws -> (Result<Int, NetworkError>, Double) in
            let stream = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: origin.port, deadline: MonotonicClock.deadline(after: 0.3))
            defer { stream.close() }
            try await stream.write(Self.request("/bytes/5?delay=800"))
            stream.deadline = nil
            let start = MonotonicClock.now()
            var buffer = [UInt8](repeating: 0, count: 1024)
            do {
                return (.success(try await stream.read(into: &buffer)), seconds(since: start))
            } catch let error as NetworkError {
                return (.failure(error), seconds(since: start))
            }
        }
        #expect(throws: Never.self) { try result.get() }
        #expect((try? result.get()) ?? 0 > 0)
        #expect(waited >= 0.7)
    }

    @Test(arguments: DialerKind.allCases)
    func aDeadlineAlreadyPastFailsAtOnce(dialer: DialerKind) async throws {
        let (writeError, readError) = try await withOrigin { origin in
            let stream = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: origin.port, deadline: nil)
            defer { stream.close() }
            stream.deadline = MonotonicClock.now() - 1
            var buffer = [UInt8](repeating: 0, count: 16)
            var errors: [NetworkError?] = [nil, nil]
            do { try await stream.write(Self.request("/bytes/1")) } catch let error as NetworkError { errors[0] = error }
            do { _ = try await stream.read(into: &buffer) } catch let error as NetworkError { errors[1] = error }
            return (errors[0], errors[1])
        }
        #expect(writeError == .timedOut)
        #expect(readError == .timedOut)
    }

    @Test(arguments: DialerKind.allCases)
    func writingToAClosedPeerIsAResetNotASignal(dialer: DialerKind) async throws {
        let (ended, error) = try await withOrigin { origin async throws -> (Bool, NetworkError?) in
            let stream = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: origin.port, deadline: MonotonicClock.deadline(after: 10))
            defer { stream.close() }
            try await stream.write(Self.request("/close/10"))
            _ = try await Self.answer(from: stream)
            var buffer = [UInt8](repeating: 0, count: 16)
            let ended = try await stream.read(into: &buffer) == 0
            // The first write after the peer's close may still succeed; its reset fails the next.
            for _ in 0..<100 {
                do {
                    try await stream.write(Self.request("/bytes/1"))
                } catch let error as NetworkError {
                    return (ended, error)
                }
                try await sleep(seconds: 0.01)
            }
            return (ended, nil)
        }
        #expect(ended)
        #expect(error == .connectionReset)
    }

    @Test(arguments: DialerKind.allCases)
    func aClosedPortRefuses(dialer: DialerKind) async throws {
        let port = try unusedPort()
        let error = try await onHub { () async throws -> NetworkError? in
            do {
                _ = try await dialer.dialer().connectTCP(host: "127.0.0.1", port: port, deadline: MonotonicClock.deadline(after: 5))
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .connectionRefused)
    }

    @Test(arguments: DialerKind.allCases)
    func aNameThatDoesNotResolveIsNotFound(dialer: DialerKind) async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            do {
                _ = try await dialer.dialer().connectTCP(host: "no-such-host.invalid", port: 80, deadline: MonotonicClock.deadline(after: 10))
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .hostNotFound("no-such-host.invalid"))
    }
}
