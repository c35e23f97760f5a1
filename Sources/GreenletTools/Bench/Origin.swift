import Dispatch
import Glibc
import Greenlet
import GreenletHTTP
import GreenletStreams
import GreenletTLS
import HTTPTypes
import Synchronization

/// A made-up HTTP origin on a hub thread of its own, for `bench crawl` and the crawl's
/// tests. The path names the answer, as with httpbin:
///
///     /bytes/N       N bytes of `Origin.body(count:)`, with Content-Length
///     /chunked/N     the same bytes, chunked
///     /close/N       the same bytes, ended by closing the connection
///     /closing/N     N bytes with Content-Length, kept alive by the head, then the
///                    connection closes anyway (as a server's idle timeout would)
///     /unannounced/N N bytes ended by closing, without `Connection: close`
///     /head          the request's head as received, as the body
///     /redirect/N    302 to `N-1` (a relative Location); `/redirect/0` answers 200
///     /loop          302 to itself
///     /to?URL        301 to URL
///     /status/CODE   that status, with a short body
///     /malformed     a status line that is not HTTP, then close
///     /truncated     Content-Length 100 and 50 bytes, then close
///     /hang          no answer, ever
///
/// `?delay=MS` (or `&delay=MS`) delays any answer by MS milliseconds; the wait is a green
/// thread's sleep, so any number of requests wait at once. Keep-alive as HTTP/1.1 says.
public final class Origin: Sendable {
    public let port: Int
    private let accepted: Counter
    private let hub: Hub
    private let listener: Listener
    private let thread: pthread_t

    /// Connections accepted so far: how a test sees keep-alive at work.
    public var connectionCount: Int { accepted.value.load(ordering: .relaxed) }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private init(port: Int, accepted: Counter, hub: Hub, listener: Listener, thread: pthread_t) {
        self.port = port
        self.accepted = accepted
        self.hub = hub
        self.listener = listener
        self.thread = thread
    }

    /// Starts listening on `host:port` (0: a port the kernel picks), over TLS when `tls` is
    /// a server context.
    public static func start(host: String = "127.0.0.1", port: Int = 0, tls: TLSContext? = nil) throws -> Origin {
        let started = DispatchSemaphore(value: 0)
        let accepted = Counter()
        nonisolated(unsafe) var outcome: Result<(Hub, Listener), any Error>?
        let thread = try OSThread.start {
            _ = try? Hub.run {
                let listener: Listener
                do {
                    listener = try Listener(host: host, port: port)
                } catch {
                    outcome = .failure(error)
                    started.signal()
                    return
                }
                outcome = .success((Hub.current!, listener))
                started.signal()
                while let connection = try? await listener.accept() {
                    accepted.value.add(1, ordering: .relaxed)
                    spawn { await serve(connection, tls: tls) }
                }
            }
        }
        started.wait()
        switch outcome! {
        case .success(let (hub, listener)):
            return Origin(port: listener.localAddress.port, accepted: accepted, hub: hub, listener: listener, thread: thread)
        case .failure(let error):
            pthread_join(thread, nil)
            throw error
        }
    }

    /// Stops listening, drops every connection and waits for the hub thread to end.
    public func stop() {
        let listener = listener
        hub.execute { listener.close() }
        pthread_join(thread, nil)
    }

    /// The bytes the `/bytes`, `/chunked` and `/close` answers carry: the alphabet, over
    /// and over.
    public static func body(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count { bytes += alphabet.prefix(count - bytes.count) }
        return bytes
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)

    private static func serve(_ connection: Connection, tls: TLSContext?) async {
        var stream: any ByteStream = GreenStream(connection, deadline: nil)
        if let tls {
            guard let secured = try? await TLSStream.handshake(over: stream, context: tls, serverName: nil) else {
                return connection.close()
            }
            stream = secured
        }
        defer { stream.close() }
        var reader = MessageReader(parser: HTTPRequestParser(), bufferSize: 16 * 1024)
        do {
            var head: HTTPRequestHead?
            while let event = try await reader.nextEvent(from: stream) {
                switch event {
                case .head(let received): head = received
                case .body: break
                case .end:
                    guard let request = head, try await answer(request, on: stream), request.keepAlive else { return }
                }
            }
        } catch {
            return
        }
    }

    /// Writes the answer `request`'s target names; false when the connection must close.
    private static func answer(_ request: HTTPRequestHead, on stream: any ByteStream) async throws -> Bool {
        let (path, query) = split(request.target)
        if let delay = query.first(where: { $0.hasPrefix("delay=") }).flatMap({ Double($0.dropFirst(6)) }) {
            try await sleep(seconds: delay / 1000)
        }
        let parts = path.split(separator: "/").map(String.init)
        let number = parts.count > 1 ? Int(parts[1]) : nil
        switch (parts.first, number) {
        case ("bytes", let count?) where count >= 0:
            try await stream.write(head(.ok, [("Content-Length", "\(count)")]) + body(count: count))
        case ("chunked", let count?) where count >= 0:
            var bytes = head(.ok, [("Transfer-Encoding", "chunked")])
            var offset = 0
            let body = body(count: count)
            while offset < count {
                let piece = min(1000, count - offset)
                HTTPSerializer.appendChunk(body[offset..<(offset + piece)], to: &bytes)
                offset += piece
            }
            HTTPSerializer.appendLastChunk(to: &bytes)
            try await stream.write(bytes)
        case ("close", let count?) where count >= 0:
            try await stream.write(head(.ok, [("Connection", "close")]) + body(count: count))
            return false
        case ("closing", let count?) where count >= 0:
            try await stream.write(head(.ok, [("Content-Length", "\(count)")]) + body(count: count))
            return false
        case ("unannounced", let count?) where count >= 0:
            try await stream.write(head(.ok, []) + body(count: count))
            return false
        case ("head", nil):
            var text = "\(request.method.rawValue) \(request.target) \(request.version)\n"
            for field in request.headerFields { text += "\(field.name.rawName): \(field.value)\n" }
            try await stream.write(head(.ok, [("Content-Length", "\(text.utf8.count)")]) + Array(text.utf8))
        case ("redirect", let count?) where count > 0:
            try await stream.write(head(.found, [("Location", "\(count - 1)"), ("Content-Length", "0")]))
        case ("redirect", 0):
            try await stream.write(head(.ok, [("Content-Length", "11")]) + Array("redirected\n".utf8))
        case ("loop", nil):
            try await stream.write(head(.found, [("Location", "/loop"), ("Content-Length", "0")]))
        case ("to", nil) where !query.isEmpty:
            try await stream.write(head(.movedPermanently, [("Location", query.joined(separator: "&")), ("Content-Length", "0")]))
        case ("status", let code?) where (200...999).contains(code):
            let text = Array("status \(code)\n".utf8)
            try await stream.write(head(HTTPResponse.Status(code: code), [("Content-Length", "\(text.count)")]) + text)
        case ("malformed", nil):
            try await stream.write(Array("HTTP/1.1 OK fine\r\n\r\n".utf8))
            return false
        case ("truncated", nil):
            try await stream.write(head(.ok, [("Content-Length", "100")]) + body(count: 50))
            return false
        case ("hang", nil):
            try await sleep(seconds: 1e6)
            return false
        default:
            try await stream.write(head(.notFound, [("Content-Length", "0")]))
        }
        return true
    }

    private static func split(_ target: String) -> (path: Substring, query: [Substring]) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], []) }
        return (target[..<mark], target[target.index(after: mark)...].split(separator: "&"))
    }

    private static func head(_ status: HTTPResponse.Status, _ fields: [(StaticString, String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        HTTPSerializer.appendStatusLine(status, to: &bytes)
        for (name, value) in fields { HTTPSerializer.appendField(name, value, to: &bytes) }
        HTTPSerializer.closeHead(to: &bytes)
        return bytes
    }
}
