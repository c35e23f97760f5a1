import GreenletHTTP
import HTTPTypes
import Testing

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    typealias Event = HTTPParseEvent<HTTPRequestHead>

    struct Valid: CustomTestStringConvertible, Sendable {
        let name: String
        let wire: String
        let events: [Event]
        var testDescription: String { name }
    }

    static func head(
        _ method: HTTPRequest.Method, _ target: String, _ pairs: KeyValuePairs<String, String>,
        _ version: HTTPVersion = .http1_1
    ) -> Event {
        .head(HTTPRequestHead(method: method, target: target, version: version, headerFields: fields(pairs)))
    }

    static let valid: [Valid] = [
        Valid(
            name: "GET", wire: "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            events: [head(.get, "/", ["Host": "a"]), .end(trailers: [:])]),
        Valid(
            name: "HEAD", wire: "HEAD /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n",
            events: [head(.head, "/index.html", ["Host": "example.com", "User-Agent": "t/1"]), .end(trailers: [:])]),
        Valid(
            name: "query", wire: "GET /search?q=a%20b&x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n",
            events: [head(.get, "/search?q=a%20b&x=1", ["Host": "a", "Accept": "*/*"]), .end(trailers: [:])]),
        Valid(
            name: "HTTP/1.0 without Host", wire: "GET / HTTP/1.0\r\n\r\n",
            events: [head(.get, "/", [:], .http1_0), .end(trailers: [:])]),
        Valid(
            name: "HTTP/1.0 keep-alive", wire: "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n",
            events: [head(.get, "/a", ["Connection": "Keep-Alive", "Host": "a"], .http1_0), .end(trailers: [:])]),
        Valid(
            name: "Connection list with close", wire: "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n",
            events: [head(.get, "/", ["Host": "a", "Connection": "foo, close"]), .end(trailers: [:])]),
        Valid(
            name: "Content-Length body",
            wire: "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
            events: [
                head(.post, "/form", ["Host": "a", "Content-Length": "11"]), body("hello world"),
                .end(trailers: [:]),
            ]),
        Valid(
            name: "identical Content-Lengths folded",
            wire: "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc",
            events: [
                head(.put, "/x", ["Host": "a", "Content-Length": "3, 3", "Content-Length": "3"]), body("abc"),
                .end(trailers: [:]),
            ]),
        Valid(
            name: "chunked with extensions and trailers",
            wire: "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; q=\"a;b\\\"c\" ;flag\r\n world\r\nA\r\n0123456789\r\n"
                + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
            events: [
                head(.post, "/u", ["Host": "a", "Transfer-Encoding": "chunked"]), body("hello world0123456789"),
                .end(trailers: fields(["X-Checksum": "abc", "X-Other": "1"])),
            ]),
        Valid(
            name: "chunked, empty", wire: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
            events: [head(.post, "/", ["Host": "a", "Transfer-Encoding": "Chunked"]), .end(trailers: [:])]),
        Valid(
            name: "pipelined GET and POST",
            wire: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
            events: [
                head(.get, "/1", ["Host": "a"]), .end(trailers: [:]),
                head(.post, "/2", ["Host": "a", "Content-Length": "2"]), body("hi"), .end(trailers: [:]),
            ]),
        Valid(
            name: "pipelined chunked and HEAD",
            wire: "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                + "HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n",
            events: [
                head(.post, "/1", ["Host": "a", "Transfer-Encoding": "chunked"]), body("ok"), .end(trailers: [:]),
                head(.head, "/2", ["Host": "a"]), .end(trailers: [:]),
            ]),
        Valid(
            name: "empty lines before the request, case and whitespace of fields",
            wire: "\r\n\r\nOPTIONS * HTTP/1.1\r\nhOsT:   a b\t \r\nX-Empty:\r\n\r\n",
            events: [head(.options, "*", ["hOsT": "a b", "X-Empty": ""]), .end(trailers: [:])]),
    ]

    @Test(arguments: valid)
    func validRequestParsesAlikeAtEverySplit(_ request: Valid) {
        expectEverySplit(bytes(request.wire), gives: Outcome(events: request.events), with: { HTTPRequestParser() })
    }

    @Test func keepAliveFollowsVersionAndConnectionTokens() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: ,Keep-Alive , te\r\n\r\n", true),
        ]
        for (wire, keepAlive) in cases {
            var parser = HTTPRequestParser()
            let step = try parser.parse(bytes(wire)[...])
            guard case .head(let head) = step.event else {
                Issue.record("no head for \(wire)")
                continue
            }
            #expect(head.keepAlive == keepAlive, "\(wire)")
        }
    }

    @Test func stepsReportConsumedBytesAndSliceTheInput() throws {
        let wire = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET")
        let headLength = wire.count - 6
        var parser = HTTPRequestParser()
        let head = try parser.parse(wire[...])
        #expect(head.consumed == headLength)
        let body = try parser.parse(wire[headLength...])
        #expect(body == HTTPParseStep(consumed: 3, event: .body(wire[headLength..<(headLength + 3)])))
        if case .body(let slice) = body.event { #expect(slice.startIndex == headLength) }
        #expect(try parser.parse(wire[(headLength + 3)...]) == HTTPParseStep(consumed: 0, event: .end(trailers: [:])))
        #expect(parser.isIdle)
        #expect(try parser.parse(wire[(headLength + 3)...]) == HTTPParseStep(consumed: 3, event: nil))
        #expect(!parser.isIdle)
    }

    @Test func finishBetweenRequestsIsCleanAndInsideOneFails() throws {
        var idle = HTTPRequestParser()
        #expect(try idle.finish() == nil)
        var inside = HTTPRequestParser()
        _ = try inside.parse(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc")[...])
        _ = try inside.parse(bytes("abc")[...])
        #expect(throws: HTTPParseError.unexpectedEndOfInput) { try inside.finish() }
        #expect(throws: HTTPParseError.unexpectedEndOfInput) { try inside.parse([]) }
    }

    @Test func requestLineAndHeaderBlockAtTheirLimitsPass() {
        let target = "/" + String(repeating: "a", count: 8192 - "GET  HTTP/1.1".count - 1)
        let requestLine = "GET \(target) HTTP/1.1"
        #expect(requestLine.utf8.count == 8192)
        // 16 KiB of field lines: Host, then fillers, then the empty line.
        var block = "Host: a\r\n"
        var pairs: [(String, String)] = [("Host", "a")]
        for index in 0..<98 {
            let name = "X-\(index)"
            let value = String(repeating: "v", count: 150)
            block += "\(name): \(value)\r\n"
            pairs.append((name, value))
        }
        let padding = 16384 - block.utf8.count - 2 - "X-Pad: \r\n".utf8.count
        block += "X-Pad: " + String(repeating: "p", count: padding) + "\r\n\r\n"
        pairs.append(("X-Pad", String(repeating: "p", count: padding)))
        #expect(block.utf8.count == 16384 && pairs.count == 100)
        var parser = HTTPRequestParser()
        let outcome = feed(&parser, [bytes(requestLine + "\r\n" + block)[...]])
        let expected = HTTPRequestHead(
            method: .get, target: target,
            headerFields: HTTPFields(pairs.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) }))
        let parsedAsSent = outcome == Outcome(events: [.head(expected), .end(trailers: [:])])
        #expect(parsedAsSent)
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        let name: String
        let wire: [UInt8]
        let error: HTTPParseError
        let status: Int
        /// Events before the error (a head, when the body is what is wrong).
        var headFirst = false
        var testDescription: String { name }

        init(_ name: String, _ wire: String, _ error: HTTPParseError, _ status: Int, headFirst: Bool = false) {
            self.init(name, bytes(wire), error, status, headFirst: headFirst)
        }

        init(_ name: String, _ wire: [UInt8], _ error: HTTPParseError, _ status: Int, headFirst: Bool = false) {
            self.name = name
            self.wire = wire
            self.error = error
            self.status = status
            self.headFirst = headFirst
        }
    }

    static let post = "POST / HTTP/1.1\r\nHost: a\r\n"

    static let malformed: [Malformed] = [
        // Smuggling: two ways to frame one body.
        Malformed("CL and TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  .contentLengthWithTransferEncoding, 400),
        Malformed("TE and CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
                  .contentLengthWithTransferEncoding, 400),
        Malformed("TE chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n", .invalidTransferEncoding, 400),
        Malformed("TE identity", post + "Transfer-Encoding: identity\r\n\r\n", .invalidTransferEncoding, 400),
        Malformed("TE chunked twice", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                  .invalidTransferEncoding, 400),
        Malformed("TE with a parameter", post + "Transfer-Encoding: chunked;x=1\r\n\r\n", .invalidTransferEncoding, 400),
        Malformed("TE chunkedx", post + "Transfer-Encoding: xchunked\r\n\r\n", .invalidTransferEncoding, 400),
        Malformed("TE empty", post + "Transfer-Encoding: \r\n\r\n", .invalidTransferEncoding, 400),
        Malformed("TE gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding, 501),
        Malformed("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  .invalidTransferEncoding, 400),
        Malformed("differing CLs", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .invalidContentLength, 400),
        Malformed("differing CL list", post + "Content-Length: 5, 6\r\n\r\nhello!", .invalidContentLength, 400),
        Malformed("negative CL", post + "Content-Length: -1\r\n\r\n", .invalidContentLength, 400),
        Malformed("plus-sign CL", post + "Content-Length: +5\r\n\r\nhello", .invalidContentLength, 400),
        Malformed("hex CL", post + "Content-Length: 0x5\r\n\r\nhello", .invalidContentLength, 400),
        Malformed("CL with inner space", post + "Content-Length: 1 2\r\n\r\n", .invalidContentLength, 400),
        Malformed("empty CL", post + "Content-Length:\r\n\r\n", .invalidContentLength, 400),
        Malformed("space before colon", post + "Content-Length : 5\r\n\r\nhello", .invalidFieldName, 400),
        Malformed("empty field name", post + ": x\r\n\r\n", .invalidFieldName, 400),
        Malformed("no colon", post + "Nonsense\r\n\r\n", .invalidFieldName, 400),
        Malformed("obs-fold", post + "X-A: one\r\n two\r\n\r\n", .obsoleteLineFolding, 400),
        Malformed("tab fold", post + "X-A: one\r\n\ttwo\r\n\r\n", .obsoleteLineFolding, 400),
        Malformed("whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", .obsoleteLineFolding, 400),
        // Bare LF is never a line end: RFC 9112 §2.2 allows either policy, and rejecting
        // leaves nothing for a lenient peer to disagree about.
        Malformed("bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLineFeed, 400),
        Malformed("bare LF field", "GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLineFeed, 400),
        Malformed("bare LF end of head", "GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLineFeed, 400),
        Malformed("bare LF chunk size", post + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
                  .bareLineFeed, 400, headFirst: true),
        Malformed("bare LF empty line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .bareLineFeed, 400),
        Malformed("bare CR in value", post + "X-A: a\rb\r\n\r\n", .invalidFieldValue, 400),
        Malformed("bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, 400),
        Malformed("NUL in value", bytes(post + "X-A: a") + [0] + bytes("b\r\n\r\n"), .invalidFieldValue, 400),
        Malformed("NUL in name", bytes(post + "X") + [0] + bytes("A: b\r\n\r\n"), .invalidFieldName, 400),
        Malformed("NUL in target", bytes("GET /a") + [0] + bytes(" HTTP/1.1\r\nHost: a\r\n\r\n"), .invalidTarget, 400),
        Malformed("DEL in value", bytes(post + "X-A: a") + [0x7F] + bytes("\r\n\r\n"), .invalidFieldValue, 400),
        Malformed("non-ASCII target", bytes("GET /\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n"), .invalidTarget, 400),
        Malformed("bad method", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, 400),
        Malformed("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, 400),
        Malformed("two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, 400),
        Malformed("HTTP/0.9", "GET /\r\n\r\n", .invalidStartLine, 400),
        Malformed("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", .invalidVersion, 400),
        Malformed("long version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", .invalidVersion, 400),
        Malformed("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion, 505),
        Malformed("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", .unsupportedVersion, 505),
        Malformed("no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", .invalidHost, 400),
        Malformed("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .invalidHost, 400),
        Malformed("request line too long", "GET /" + String(repeating: "a", count: 8192) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                  .startLineTooLong, 414),
        Malformed("header block too large", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 16384)
                  + "\r\n\r\n", .headerBlockTooLarge, 431),
        Malformed("too many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X: y\r\n", count: 100) + "\r\n",
                  .tooManyHeaderFields, 431),
        Malformed("CL over the body limit", post + "Content-Length: 1048577\r\n\r\n", .bodyTooLarge, 413, headFirst: true),
        Malformed("CL past Int.max", post + "Content-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge, 413,
                  headFirst: true),
        Malformed("chunk over the body limit", post + "Transfer-Encoding: chunked\r\n\r\n100001\r\n", .bodyTooLarge, 413,
                  headFirst: true),
        Malformed("chunk size overflow", post + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n",
                  .invalidChunkSize, 400, headFirst: true),
        Malformed("chunk size with 0x", post + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
                  .invalidChunkSize, 400, headFirst: true),
        Malformed("negative chunk size", post + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
                  .invalidChunkSize, 400, headFirst: true),
        Malformed("empty chunk size", post + "Transfer-Encoding: chunked\r\n\r\n\r\n", .invalidChunkSize, 400,
                  headFirst: true),
        Malformed("space before chunk size", post + "Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
                  .invalidChunkSize, 400, headFirst: true),
        Malformed("space after chunk size", post + "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
                  .invalidChunkExtension, 400, headFirst: true),
        Malformed("empty chunk extension", post + "Transfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n",
                  .invalidChunkExtension, 400, headFirst: true),
        Malformed("unterminated quoted extension", post + "Transfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n0\r\n\r\n",
                  .invalidChunkExtension, 400, headFirst: true),
        Malformed("chunk-size line too long", post + "Transfer-Encoding: chunked\r\n\r\n5;a="
                  + String(repeating: "x", count: 4096) + "\r\n", .invalidChunkExtension, 400, headFirst: true),
        Malformed("chunk data longer than its size", post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
                  .missingChunkDataTerminator, 400, headFirst: true),
        Malformed("chunk data with LF only", post + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
                  .missingChunkDataTerminator, 400, headFirst: true),
        Malformed("bare LF in trailer", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n", .bareLineFeed, 400,
                  headFirst: true),
        Malformed("obs-fold in trailer", post + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n z\r\n\r\n",
                  .obsoleteLineFolding, 400, headFirst: true),
    ]

    @Test(arguments: malformed)
    func malformedRequestFailsAlikeAtEverySplit(_ request: Malformed) {
        #expect(request.error.status.code == request.status)
        var whole = HTTPRequestParser()
        let outcome = feed(&whole, [request.wire[...]])
        #expect(outcome.error == request.error)
        if case .head = outcome.events.first { #expect(request.headFirst) } else { #expect(!request.headFirst) }
        expectEverySplit(request.wire, gives: outcome, with: { HTTPRequestParser() })
    }

    @Test func anErrorSticks() throws {
        var parser = HTTPRequestParser()
        #expect(throws: HTTPParseError.invalidHost) { try parser.parse(bytes("GET / HTTP/1.1\r\n\r\n")[...]) }
        #expect(throws: HTTPParseError.invalidHost) { try parser.parse(bytes("GET / HTTP/1.0\r\n\r\n")[...]) }
        #expect(throws: HTTPParseError.invalidHost) { try parser.finish() }
    }

    @Test func limitsAreConfigurable() {
        let limits = HTTPParserLimits(maxStartLineLength: 14, maxHeaderBlockLength: 21, maxHeaderFields: 2, maxBodyLength: 4)
        let cases: [(String, HTTPParseError)] = [
            ("GET /abcdef HTTP/1.1\r\n", .startLineTooLong),
            ("GET / HTTP/1.0\r\nX-Long: 0123456789\r\n\r\n", .headerBlockTooLarge),
            ("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooManyHeaderFields),
            ("PUT / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", .bodyTooLarge),
        ]
        for (wire, error) in cases {
            var parser = HTTPRequestParser(limits: limits)
            #expect(feed(&parser, [bytes(wire)[...]]).error == error, "\(wire)")
        }
    }
}
