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
///     /flaky/N?key=K[&fail=503|429|close]
///                    the first N requests with key K fail (that status, or a close
///                    before any answer), then `ok`
///     /retry-after/S?key=K       the first request with key K gets 429 and `Retry-After: S`,
///                                later ones `ok`; /retry-after-date/S the same with an HTTP
///                                date S seconds ahead
///     /text/N        N bytes of text, gzip or deflate when the request accepts one
///     /gzip/N, /deflate/N        N bytes of text, always gzip or zlib-deflate encoded
///     /badgzip       `Content-Encoding: gzip` over bytes that are not
///     /basic-auth/USER/PASSWORD  200 when the request's Authorization is Basic for them
///                    (percent-decoded), else 401 with WWW-Authenticate, as httpbin
///
/// `?delay=MS` (or `&delay=MS`) delays any answer by MS milliseconds; the wait is a green
/// thread's sleep, so any number of requests wait at once. Keep-alive as HTTP/1.1 says.
public final class Origin: Sendable {
    public let port: Int
    private let state: State
    private let hub: Hub
    private let listener: Listener
    private let thread: pthread_t

    /// Connections accepted so far: how a test sees keep-alive at work.
    public var connectionCount: Int { state.accepted.load(ordering: .relaxed) }
    /// The most connections open at once so far: how a test sees a per-host limit.
    public var peakConnections: Int { state.connections.peak }
    /// The most requests being answered at once so far (delays included).
    public var peakRequests: Int { state.requests.peak }

    /// What the answers share: counts, and how often each key was asked for.
    private final class State: Sendable {
        let accepted = Atomic<Int>(0)
        let connections = Gauge()
        let requests = Gauge()
        let asked = Mutex<[String: Int]>([:])

        /// How many times `key` was asked for before, counting this once.
        func ask(_ key: String) -> Int {
            asked.withLock { counts in
                defer { counts[key, default: 0] += 1 }
                return counts[key, default: 0]
            }
        }
    }

    /// A count going up and down, and the highest it reached.
    private final class Gauge: Sendable {
        private let counts = Mutex((now: 0, peak: 0))
        var peak: Int { counts.withLock { $0.peak } }

        func up() {
            counts.withLock { counts in
                counts.now += 1
                counts.peak = max(counts.peak, counts.now)
            }
        }

        func down() {
            counts.withLock { $0.now -= 1 }
        }
    }

    private init(port: Int, state: State, hub: Hub, listener: Listener, thread: pthread_t) {
        self.port = port
        self.state = state
        self.hub = hub
        self.listener = listener
        self.thread = thread
    }

    /// Starts listening on `host:port` (0: a port the kernel picks), over TLS when `tls` is
    /// a server context.
    public static func start(host: String = "127.0.0.1", port: Int = 0, tls: TLSContext? = nil) throws -> Origin {
        let started = DispatchSemaphore(value: 0)
        let state = State()
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
                    state.accepted.add(1, ordering: .relaxed)
                    state.connections.up()
                    spawn {
                        await serve(connection, tls: tls, state: state)
                        state.connections.down()
                    }
                }
            }
        }
        started.wait()
        switch outcome! {
        case .success(let (hub, listener)):
            return Origin(port: listener.localAddress.port, state: state, hub: hub, listener: listener, thread: thread)
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

    private static func serve(_ connection: Connection, tls: TLSContext?, state: State) async {
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
                    guard let request = head else { return }
                    state.requests.up()
                    defer { state.requests.down() }
                    guard try await answer(request, on: stream, state: state), request.keepAlive else { return }
                }
            }
        } catch {
            return
        }
    }

    /// Writes the answer `request`'s target names; false when the connection must close.
    private static func answer(_ request: HTTPRequestHead, on stream: any ByteStream, state: State) async throws -> Bool {
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
        case ("flaky", let failures?):
            let key = value(of: "key", in: query) ?? ""
            guard state.ask("flaky " + key) < failures else { return try await ok(on: stream) }
            switch value(of: "fail", in: query) ?? "503" {
            case "close": return false
            case let code: try await stream.write(head(HTTPResponse.Status(code: Int(code) ?? 503), [("Content-Length", "0")]))
            }
        case ("retry-after", let seconds?), ("retry-after-date", let seconds?):
            guard state.ask("retry-after " + (value(of: "key", in: query) ?? "")) == 0 else { return try await ok(on: stream) }
            let after = parts[0] == "retry-after" ? "\(seconds)" : HTTPDate.format(Int(time(nil)) + seconds)
            try await stream.write(head(.tooManyRequests, [("Retry-After", after), ("Content-Length", "0")]))
        case ("text", let count?) where count >= 0:
            let codings = accepted(request.headerFields[.acceptEncoding] ?? "")
            let format: (name: String, format: ContentEncoder.Format)? =
                codings.contains("gzip") ? ("gzip", .gzip) : codings.contains("deflate") ? ("deflate", .zlib) : nil
            try await writeBody(body(count: count), encoded: format, vary: true, on: stream)
        case ("gzip", let count?) where count >= 0:
            try await writeBody(body(count: count), encoded: ("gzip", .gzip), on: stream)
        case ("deflate", let count?) where count >= 0:
            try await writeBody(body(count: count), encoded: ("deflate", .zlib), on: stream)
        case ("basic-auth", _) where parts.count == 3:
            let expected = try? URLCredentials(userinfo: Array("\(parts[1]):\(parts[2])".utf8)[...]).basicAuthorization
            guard let expected, request.headerFields[.authorization] == expected else {
                try await stream.write(head(.unauthorized, [("WWW-Authenticate", "Basic realm=\"origin\""), ("Content-Length", "0")]))
                return true
            }
            try await stream.write(head(.ok, [("Content-Length", "11")]) + Array("authorized\n".utf8))
        case ("badgzip", nil):
            let bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03] + Array("not deflate at all".utf8)
            try await stream.write(head(.ok, [("Content-Encoding", "gzip"), ("Content-Length", "\(bytes.count)")]) + bytes)
        default:
            try await stream.write(head(.notFound, [("Content-Length", "0")]))
        }
        return true
    }

    private static func ok(on stream: any ByteStream) async throws -> Bool {
        try await stream.write(head(.ok, [("Content-Length", "3")]) + Array("ok\n".utf8))
        return true
    }

    /// `bytes`, compressed as `encoded` says when it says so.
    private static func writeBody(
        _ bytes: [UInt8], encoded: (name: String, format: ContentEncoder.Format)?, vary: Bool = false, on stream: any ByteStream
    ) async throws {
        let body = encoded.map { ContentEncoder.compress(bytes, as: $0.format) } ?? bytes
        var fields: [(StaticString, String)] = [("Content-Length", "\(body.count)")]
        if let encoded { fields.append(("Content-Encoding", encoded.name)) }
        if vary { fields.append(("Vary", "Accept-Encoding")) }
        try await stream.write(head(.ok, fields) + body)
    }

    /// The codings an `Accept-Encoding` value accepts (all but those given `q=0`), lowercased.
    private static func accepted(_ value: String) -> Set<String> {
        Set(value.lowercased().split(separator: ",").compactMap { item in
            let parts = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" } }
            let refused = parts.dropFirst().contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
            return refused ? nil : parts.first
        })
    }

    private static func value(of name: String, in query: [Substring]) -> String? {
        query.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
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
