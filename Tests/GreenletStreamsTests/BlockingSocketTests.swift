import Greenlet
import GreenletStreams
import GreenletTestSupport
import GreenletTools
import Testing

@Suite("BlockingSocket")
struct BlockingSocketTests {
    @Test func aReadFromASilentServerEndsAtTheDeadline() async throws {
        let (error, waited) = try await withOrigin { origin in
            let socket = try BlockingSocket.connect(host: "127.0.0.1", port: origin.port, deadline: nil)
            defer { socket.close() }
            try await socket.write(Array("GET /hang HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            let start = MonotonicClock.now()
            socket.deadline = MonotonicClock.deadline(after: 0.3)
            var buffer = [UInt8](repeating: 0, count: 1024)
            do {
                _ = try await socket.read(into: &buffer)
                return (nil as NetworkError?, seconds(since: start))
            } catch let error as NetworkError {
                return (error, seconds(since: start))
            }
        }
        #expect(error == .timedOut)
        #expect(waited >= 0.25)
        #expect(waited < 2)
    }

    @Test func aConnectAfterTheDeadlineIsNotAttempted() async throws {
        let (error, connections) = try await withOrigin { origin in
            do {
                _ = try BlockingSocket.connect(host: "127.0.0.1", port: origin.port, deadline: MonotonicClock.now() - 1)
                return (nil as NetworkError?, origin.connectionCount)
            } catch let error as NetworkError {
                try await sleep(seconds: 0.05)
                return (error, origin.connectionCount)
            }
        }
        #expect(error == .timedOut)
        #expect(connections == 0)
    }

    @Test func aDeadlineWellAheadLetsTheWholeAnswerThrough() async throws {
        let received = try await withOrigin { origin in
            let socket = try BlockingSocket.connect(host: "127.0.0.1", port: origin.port, deadline: MonotonicClock.deadline(after: 10))
            defer { socket.close() }
            try await socket.write(Array("GET /close/200000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let count = try await socket.read(into: &buffer), count > 0 { all += buffer[..<count] }
            return all
        }
        let headEnd = try #require(received.indices.first { received[$0...].starts(with: Array("\r\n\r\n".utf8)) })
        #expect(String(decoding: received[..<headEnd], as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(sha256(Array(received[(headEnd + 4)...])) == sha256(Origin.body(count: 200_000)))
    }
}
