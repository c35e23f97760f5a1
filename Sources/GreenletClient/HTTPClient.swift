import Greenlet
import GreenletHTTP
import GreenletStreams
import HTTPTypes

/// An HTTP/1.1 client for GET, on the sans-I/O parser and serializer, over whatever streams
/// its `Dialer` opens: green-thread sockets on a hub, or blocking sockets on an OS thread.
///
/// Redirects (301, 302, 303, 307, 308) are followed up to a limit, relative `Location`s
/// too, and a URL seen twice in one chain ends it. Keep-alive connections go back to a
/// cache per origin once their response is read to its end; a cached connection that the
/// server closed meanwhile is noticed before any response byte and the request goes out
/// once more on a new one, as curl does.
///
/// One client per hub or thread: it has no lock. Green threads of one hub share it (that
/// is what makes it `Sendable`); threads and other hubs make their own.
public final class HTTPClient: @unchecked Sendable {
    public struct Options: Sendable {
        /// Seconds one fetch may take: connecting, every redirect, the whole body.
        public var timeout: Double
        public var maxRedirects: Int
        /// Idle connections kept per origin.
        public var maxIdlePerOrigin: Int
        public var userAgent: String
        /// Sent with every request after the client's own fields, replacing or removing
        /// those of the same name.
        public var headers: [RequestHeader]
        /// Ask for gzip and deflate, and hand the sink the decoded body, as `curl
        /// --compressed` does.
        public var compressed: Bool
        /// The proxies to go through, by scheme and host; nil for none.
        public var proxies: ProxySettings?

        public init(
            timeout: Double = 30, maxRedirects: Int = 5, maxIdlePerOrigin: Int = 32, userAgent: String = "greenlet/0.1.0",
            headers: [RequestHeader] = [], compressed: Bool = false, proxies: ProxySettings? = nil
        ) {
            self.timeout = timeout
            self.maxRedirects = maxRedirects
            self.maxIdlePerOrigin = maxIdlePerOrigin
            self.userAgent = userAgent
            self.headers = headers
            self.compressed = compressed
            self.proxies = proxies
        }
    }

    /// What one fetch came to.
    public struct Report: Sendable, Equatable {
        /// The URL whose response is reported, after redirects; nil when none answered.
        public var finalURL: HTTPURL?
        /// The last status received, also when the fetch then failed.
        public var status: Int?
        public var error: FetchError?
        /// The last response's `Retry-After`, as received.
        public var retryAfter: String?
    }

    private let dialer: any Dialer
    private let options: Options
    private let cache: ConnectionCache
    static let hostName = HTTPField.Name("Host")!
    /// Fields of `headers` sent to the first URL's origin only (scheme, host and port), as
    /// with curl: a redirect must not hand credentials, or a Host meant for one server, to
    /// whatever it points at.
    private static let firstOriginFields: [HTTPField.Name] = [.authorization, .cookie, hostName]

    public init(dialer: any Dialer, options: Options = Options()) {
        self.dialer = dialer
        self.options = options
        cache = ConnectionCache(maxIdlePerOrigin: options.maxIdlePerOrigin)
    }

    /// Closes the idle connections.
    public func close() {
        cache.closeAll()
    }

    /// GETs `url`, following redirects, and streams the final response's body to `sink`.
    /// Never throws: a failure is the report's `error`.
    public func get(_ url: HTTPURL, into sink: any ResponseSink) async -> Report {
        var report = Report()
        let firstOrigin = ConnectionCache.Origin(url)
        let credentials = url.credentials
        let deadline = MonotonicClock.deadline(after: options.timeout)
        var url = url
        // By what each names, not by value: a redirect's URL carries no credentials, and
        // the first one's would make a loop back to it look new.
        var seen: Set<String> = [url.description]
        do {
            while true {
                var response = try await request(
                    url, toFirstOrigin: ConnectionCache.Origin(url) == firstOrigin, credentials: credentials, deadline: deadline)
                report.finalURL = url
                report.status = response.head.status.code
                report.retryAfter = response.head.headerFields[.retryAfter]
                if let next = try redirect(from: url, response.head) {
                    try await response.drain()
                    recycle(&response, url)
                    guard seen.count <= options.maxRedirects, seen.insert(next.description).inserted else {
                        throw FetchError.tooManyRedirects
                    }
                    url = next
                    continue
                }
                try await deliver(&response, url, to: sink)
                return report
            }
        } catch {
            report.error = FetchError(error)
            return report
        }
    }

    /// Streams the final response's body to `sink`; what the sink throws becomes
    /// `FetchError.sink`.
    private func deliver(_ response: inout Response, _ url: HTTPURL, to sink: any ResponseSink) async throws {
        func sinking(_ step: () async throws -> Void) async throws {
            do {
                try await step()
            } catch {
                response.stream.close()
                throw FetchError.sink("\(error)")
            }
        }
        try await sinking { try await sink.begin(response.head, url: url) }
        let decoder = options.compressed ? response.head.headerFields[.contentEncoding].flatMap(ContentDecoder.init) : nil
        while let piece = try await response.nextBodyPiece() {
            guard let decoder else {
                try await sinking { try await sink.append(piece) }
                continue
            }
            decoder.feed(piece)
            while let decoded = try decoding(decoder.next, on: response) {
                try await sinking { try await sink.append(decoded) }
            }
        }
        if let decoder { try decoding(decoder.finish, on: response) }
        recycle(&response, url)
        try await sinking { try await sink.finish() }
    }

    /// A body that does not decode is the server's fault: a malformed response, and the
    /// connection is dropped with the rest of it.
    private func decoding<T>(_ step: () throws(ContentDecodingError) -> T, on response: Response) throws -> T {
        do {
            return try step()
        } catch {
            response.stream.close()
            throw FetchError.malformedResponse(error.description)
        }
    }

    /// Sends the request and reads the response's head, on a cached connection when there
    /// is one (again on a new one if the server had closed it).
    /// - Parameter credentials: the first URL's, sent as Basic to its origin alone.
    private func request(_ url: HTTPURL, toFirstOrigin: Bool, credentials: URLCredentials?, deadline: UInt64) async throws -> Response {
        let proxy = options.proxies?.proxy(for: url)
        // Plain http through a proxy names the whole URL to it (RFC 9112 §3.2.2); https
        // goes through a tunnel, where the request is the origin's own.
        let forwarded = proxy != nil && url.scheme == .http
        var head = HTTPRequestHead(method: .get, target: forwarded ? url.description : url.target)
        head.headerFields.append(HTTPField(name: Self.hostName, value: url.authority))
        if forwarded, let authorization = proxy?.authorization { head.headerFields[.proxyAuthorization] = authorization }
        if !options.userAgent.isEmpty { head.headerFields[.userAgent] = options.userAgent }
        head.headerFields[.accept] = "*/*"
        if options.compressed { head.headerFields[.acceptEncoding] = ContentDecoder.acceptEncoding }
        if toFirstOrigin, let credentials { head.headerFields[.authorization] = credentials.basicAuthorization }
        // The first -H of a name replaces (or removes) the client's own field; more of the
        // same name are added, each as its own field line, as given.
        var replaced: Set<HTTPField.Name> = []
        for header in options.headers where toFirstOrigin || !Self.firstOriginFields.contains(header.name) {
            if replaced.insert(header.name).inserted { head.headerFields[header.name] = nil }
            if let value = header.value { head.headerFields.append(HTTPField(name: header.name, value: value)) }
        }
        var bytes: [UInt8] = []
        HTTPSerializer.append(head, to: &bytes)
        if let cached = cache.take(for: url) {
            cached.deadline = deadline
            var response = Response(stream: cached)
            do {
                try await response.send(bytes)
                return response
            } catch where !response.hasReceived && Self.isStale(error) {
                cached.close()
            }
        }
        var response = Response(stream: try await dialer.connect(to: url, via: proxy, deadline: deadline))
        do {
            try await response.send(bytes)
        } catch {
            response.stream.close()
            throw error
        }
        return response
    }

    /// A server may close an idle keep-alive connection at any moment; the request finds
    /// out by a reset or an end of stream before any answer.
    private static func isStale(_ error: any Error) -> Bool {
        switch error {
        case NetworkError.connectionReset, NetworkError.closed, FetchError.malformedResponse: true
        default: false
        }
    }

    /// The next URL when `head` redirects (a 3xx with a Location); nil for a final answer.
    private func redirect(from url: HTTPURL, _ head: HTTPResponseHead) throws -> HTTPURL? {
        guard [301, 302, 303, 307, 308].contains(head.status.code), let location = head.headerFields[.location] else { return nil }
        return try url.resolving(location)
    }

    /// A connection whose response was read to its end goes back to the cache if both
    /// sides keep it alive and the stream has not ended (a close-delimited body); any
    /// other is closed.
    private func recycle(_ response: inout Response, _ url: HTTPURL) {
        if response.isComplete && response.head.keepAlive && !response.reader.hasReachedEnd {
            cache.put(response.stream, for: url)
        } else {
            response.stream.close()
        }
    }
}

/// One request's response as it is read.
private struct Response {
    let stream: any ByteStream
    var reader: MessageReader<HTTPResponseParser>
    var isComplete = false
    var head = HTTPResponseHead(status: .ok)

    init(stream: any ByteStream) {
        self.stream = stream
        // 16 KiB: a crawl holds one per fetch in flight (64 MiB at 64 KiB for 1,000), and
        // freeing and refaulting that much each round cost more than the extra reads.
        reader = MessageReader(parser: HTTPResponseParser(), bufferSize: 16 * 1024)
    }
    var hasReceived: Bool { reader.hasReceived }

    /// Writes the request and reads up to the end of the response's head.
    mutating func send(_ request: [UInt8]) async throws {
        try await stream.write(request)
        guard case .head(let received) = try await nextEvent() else {
            throw FetchError.malformedResponse("no status line")
        }
        head = received
    }

    /// The next piece of the body; nil at its end.
    mutating func nextBodyPiece() async throws -> ArraySlice<UInt8>? {
        guard !isComplete else { return nil }
        switch try await nextEvent() {
        case .body(let piece): return piece
        case .end: isComplete = true; return nil
        case .head: throw FetchError.malformedResponse("a second head")
        }
    }

    /// Reads the body to its end, dropping it (a redirect's).
    mutating func drain() async throws {
        while try await nextBodyPiece() != nil {}
    }

    private mutating func nextEvent() async throws -> HTTPParseEvent<HTTPResponseHead> {
        guard let event = try await reader.nextEvent(from: stream) else {
            throw FetchError.malformedResponse(FetchError.closedBeforeResponse)
        }
        return event
    }
}
