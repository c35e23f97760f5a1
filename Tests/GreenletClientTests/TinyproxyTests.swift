import Glibc
import Greenlet
import GreenletStreams
import GreenletTestSupport
import GreenletTools
import Testing

@Suite("Tinyproxy")
struct TinyproxyTests {
    @Test func aGetIsForwardedToTheOriginAndLogged() async throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        let (response, target) = try await withOrigin { origin in
            let target = "http://127.0.0.1:\(origin.port)/bytes/5"
            let response = try await exchange(proxy, "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(origin.port)\r\nConnection: close\r\n\r\n")
            return (response, target)
        }
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\nVia: 1.1 "))
        #expect(response.contains(" (tinyproxy/1.11"))
        #expect(response.hasSuffix("\r\n\r\n" + String(decoding: Origin.body(count: 5), as: UTF8.self)))
        #expect(proxy.requests == ["GET \(target) HTTP/1.1"])
    }

    @Test func aConnectToAClosedPortIsAnswered500AndLogged() async throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        let closed = try unusedPort()
        let response = try await exchange(proxy, "CONNECT 127.0.0.1:\(closed) HTTP/1.1\r\nHost: 127.0.0.1:\(closed)\r\n\r\n")
        #expect(response.hasPrefix("HTTP/1.1 500 Unable to connect\r\n"))
        #expect(proxy.requests == ["CONNECT 127.0.0.1:\(closed) HTTP/1.1"])
        #expect(proxy.log.contains("Could not establish a connection to 127.0.0.1:\(closed)"))
    }

    @Test func stopEndsAndReapsTheProcess() throws {
        let proxy = try Tinyproxy()
        try proxy.start()
        let pid = try #require(proxy.processIdentifier)
        #expect(kill(pid, 0) == 0)
        proxy.stop()
        #expect(proxy.processIdentifier == nil)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        #expect(proxy.log.contains("Shutting down."))
    }

    /// Sends `request` to the proxy on a plain blocking socket and reads until it closes.
    private func exchange(_ proxy: Tinyproxy, _ request: String) async throws -> String {
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port, deadline: MonotonicClock.deadline(after: 10))
        defer { socket.close() }
        try await socket.write(Array(request.utf8))
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = try await socket.read(into: &buffer), count > 0 {
            response += buffer[..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }
}
