import Glibc
import Greenlet
import GreenletHTTP
import GreenletStreams
import HTTPTypes

/// `greenlet serve-http`: the connection side of the static file server. One green
/// thread per connection reads requests with the sans-I/O parser, asks `StaticFiles` for
/// each answer, and writes it: the head in one send, a file body after it with `sendfile`.
public enum StaticFileServer {
    public struct Options: Sendable {
        public var root: String
        /// Seconds a client gets to send a complete request head, and an idle keep-alive
        /// connection stays open.
        public var requestTimeout: Double
        /// Seconds a client may accept no byte of a response before it is dropped.
        public var sendTimeout: Double
        /// One Common Log Format line per request on stderr.
        public var accessLog: Bool

        public init(root: String, requestTimeout: Double = 5, sendTimeout: Double = 30, accessLog: Bool = true) {
            self.root = root
            self.requestTimeout = requestTimeout
            self.sendTimeout = sendTimeout
            self.accessLog = accessLog
        }
    }

    /// Serves `options.root` on `threads` hubs until SIGINT or SIGTERM, then drains.
    /// - Parameter listening: called once every hub listens, with the bound address.
    /// - Throws: `StaticFilesError` for a root that cannot be served, `ServerGroupError`
    ///   when a hub cannot listen.
    public static func run(
        host: String, port: Int, threads: Int, grace: Double, options: Options,
        listening: @escaping @Sendable (SocketAddress) -> Void
    ) throws {
        let site = Site(files: try StaticFiles(root: options.root), options: options)
        try ServerGroup(host: host, port: port, threads: threads, grace: grace) { connection in
            try await site.serve(connection)
        }.run(listening: listening)
    }

    /// What every connection shares: the files, the options, and the per-second texts.
    final class Site: Sendable {
        let files: StaticFiles
        let options: Options
        let date = CachedTimestamp(format: HTTPDate.format)
        let log: AccessLog?

        init(files: StaticFiles, options: Options) {
            self.files = files
            self.options = options
            log = options.accessLog ? AccessLog() : nil
        }

        /// Answers requests on `connection` until the client closes, asks to, times out,
        /// or sends something unparseable.
        func serve(_ connection: Connection) async throws {
            var exchange = Exchange(connection: connection, site: self)
            try await exchange.run()
        }
    }
}

/// One connection's requests, in order (pipelined ones too).
private struct Exchange {
    let connection: Connection
    let site: StaticFileServer.Site
    /// The connection as a stream, its deadline that of the request being read.
    let stream: GreenStream
    /// Reads requests with the sans-I/O parser into a 4 KiB buffer (a request head fits).
    var reader = MessageReader(parser: HTTPRequestParser(), bufferSize: 4 * 1024)
    /// Files up to this size leave in the same segment as their head.
    static let coalescedFileSize = 64 * 1024
    /// The response head being built; reused, so a keep-alive connection allocates it once.
    var out: [UInt8] = []
    let client: String

    init(connection: Connection, site: StaticFileServer.Site) {
        self.connection = connection
        self.site = site
        stream = GreenStream(connection, deadline: nil)
        // Only the access log names the peer: no address formatting without one.
        client = site.log == nil ? "-" : connection.remoteAddress?.host ?? "-"
        out.reserveCapacity(512)
    }

    /// The request being read, once its head has come.
    var head: HTTPRequestHead?
    /// Its head came with an `Expect` and a body not read: the client waits for word.
    var bodyAwaited = false
    /// How long a lingering close reads and drops what a client still sends: past curl's
    /// one second of waiting for a 100 before it sends its body anyway.
    static let lingerSeconds = 2.0

    mutating func run() async throws {
        defer { connection.close() }
        while true {
            head = nil
            // A request: its head and body within the request timeout; the body is dropped.
            stream.deadline = MonotonicClock.deadline(after: site.options.requestTimeout)
            guard try await readRequestOrRefuse(), let head else { return }
            if case .unknown = head.expectation {
                try await refuse(.expectationFailed)
                return await linger()
            }
            if bodyAwaited {
                bodyAwaited = false
                // RFC 9110 §10.1.1. A refusal does not depend on the body: it is final at
                // once, and the connection closes after it, as what follows may or may not
                // be the body. A file is served as usual once the body has been read (and
                // dropped), after a 100 Continue asks for it.
                if let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > HTTPParserLimits().maxBodyLength {
                    try await refuse(.contentTooLarge)
                    return await linger()
                }
                guard head.method == .get || head.method == .head else {
                    try await respond(to: head, keepAlive: false)
                    return await linger()
                }
                try await connection.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), idleTimeout: site.options.sendTimeout)
                guard try await readRequestOrRefuse() else { return }
            }
            let keepAlive = head.keepAlive
            try await respond(to: head, keepAlive: keepAlive)
            if !keepAlive { return }
        }
    }

    /// `readRequest`, with what ends the connection answered: false when it must close.
    private mutating func readRequestOrRefuse() async throws -> Bool {
        do {
            return try await readRequest()
        } catch let error as HTTPParseError {
            try await refuse(error.status)
            return false
        } catch NetworkError.timedOut {
            // Slowloris: a request begun but not finished gets 408; an idle one just closes.
            if !reader.parser.isIdle { try await refuse(.requestTimeout) }
            return false
        }
    }

    /// Reads one request to its end (up to its head when a body is awaited); false when
    /// the client closed between requests (an end of stream inside one is a parse error).
    private mutating func readRequest() async throws -> Bool {
        let connection = connection
        while true {
            // A shutdown lets a request that has begun finish; it ends a connection that
            // waits for the next.
            let event = try await reader.nextEvent(from: stream) { parser in
                connection.isBusy = !parser.isIdle
            }
            switch event {
            case nil:
                return false
            case .head(let received):
                head = received
                if received.expectation != nil && received.announcesBody {
                    bodyAwaited = true
                    return true
                }
            case .body:
                break
            case .end:
                return true
            }
        }
    }

    /// Closes gently after an answer sent before the request's end: this side's end of
    /// stream first, then what the client still sends (its body, sent anyway) is read and
    /// dropped until it closes, so that unread bytes do not make the kernel reset the
    /// connection and lose the answer. Bounded in time, as nginx's lingering close is.
    private func linger() async {
        do {
            try connection.shutdownWrite()
            connection.isBusy = false  // the answer is out: a shutdown need not wait for this
            let deadline = MonotonicClock.deadline(after: Self.lingerSeconds)
            var scratch = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let now = MonotonicClock.now()
                guard now < deadline else { return }
                guard try await connection.recv(into: &scratch, timeout: Double(deadline - now) / 1e9) > 0 else { return }
            }
        } catch {
            return  // reset, timed out, closed: the connection is done either way
        }
    }

    private mutating func respond(to head: HTTPRequestHead, keepAlive: Bool) async throws {
        let second = CachedTimestamp.currentSecond()
        var response = site.files.respond(method: head.method, target: head.target, headerFields: head.headerFields, now: second)
        defer { response.dropBody() }
        try await send(&response, keepAlive: keepAlive, version: head.version, second: second)
        log(head, response.status, bytes: response.bodyCount, second: second)
    }

    /// Answers a request that cannot be served (unparseable, too large, too slow), then
    /// the connection closes: what follows it on the wire cannot be trusted.
    private mutating func refuse(_ status: HTTPResponse.Status) async throws {
        let second = CachedTimestamp.currentSecond()
        var response = StaticResponse.page(status)
        try await send(&response, keepAlive: false, version: .http1_1, second: second)
        log(head, status, bytes: response.bodyCount, second: second)
    }

    private mutating func send(
        _ response: inout StaticResponse, keepAlive: Bool, version: HTTPVersion, second: Int
    ) async throws {
        out.removeAll(keepingCapacity: true)
        HTTPSerializer.appendStatusLine(response.status, to: &out)
        response.appendFields(to: &out)
        HTTPSerializer.appendField("Date", site.date.text(at: second), to: &out)
        HTTPSerializer.appendField("Server", "greenlet", to: &out)
        if !keepAlive {
            HTTPSerializer.appendField("Connection", "close", to: &out)
        } else if version == .http1_0 {
            HTTPSerializer.appendField("Connection", "keep-alive", to: &out)
        }
        HTTPSerializer.closeHead(to: &out)
        let timeout = site.options.sendTimeout
        switch response.body {
        case .none:
            try await connection.sendAll(out, idleTimeout: timeout)
        case .bytes(let bytes):
            out += bytes
            try await connection.sendAll(out, idleTimeout: timeout)
        case .file(let descriptor, let offset, let length):
            // A small file joins its head in one segment; a large one is sent after the
            // head is out (holding the head back for a large sendfile costs the kernel
            // more than the one extra segment: measured 1.1x nginx's CPU instead of 1.3-1.5x).
            try await connection.sendAll(out, more: length <= Exchange.coalescedFileSize, idleTimeout: timeout)
            try await connection.sendFile(descriptor, offset: offset, count: length, idleTimeout: timeout)
        }
    }

    private func log(_ head: HTTPRequestHead?, _ status: HTTPResponse.Status, bytes: Int, second: Int) {
        guard let log = site.log else { return }
        let requestLine = head.map { "\($0.method.rawValue) \($0.target) \($0.version)" } ?? "-"
        let line = log.line(client: client, requestLine: requestLine, status: status.code, bytes: bytes, at: second)
        line.utf8.withContiguousStorageIfAvailable { _ = write(2, $0.baseAddress, $0.count) }
    }
}
