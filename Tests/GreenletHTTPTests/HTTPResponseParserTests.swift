import Foundation
import GreenletHTTP
import HTTPTypes
import Testing

@Suite("HTTPResponseParser")
struct HTTPResponseParserTests {
    typealias Event = HTTPParseEvent<HTTPResponseHead>

    static func head(
        _ code: Int, _ reason: String, _ pairs: KeyValuePairs<String, String> = [:], _ version: HTTPVersion = .http1_1
    ) -> Event {
        .head(HTTPResponseHead(status: .init(code: code, reasonPhrase: reason), version: version, headerFields: fields(pairs)))
    }

    struct Valid: CustomTestStringConvertible, Sendable {
        let name: String
        let method: HTTPRequest.Method
        let wire: String
        let events: [Event]
        var testDescription: String { name }
    }

    static let valid: [Valid] = [
        Valid(
            name: "Content-Length", method: .get,
            wire: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
            events: [head(200, "OK", ["Content-Length": "5", "Content-Type": "text/plain"]), body("hello"), .end(trailers: [:])]),
        Valid(
            name: "chunked with trailer", method: .get,
            wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nEtag: \"e\"\r\n\r\n",
            events: [head(200, "OK", ["Transfer-Encoding": "chunked"]), body("abcd"), .end(trailers: fields(["Etag": "\"e\""]))]),
        Valid(
            name: "gzip then chunked", method: .get,
            wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n\u{1f}x\r\n0\r\n\r\n",
            events: [head(200, "OK", ["Transfer-Encoding": "gzip, chunked"]), body("\u{1f}x"), .end(trailers: [:])]),
        Valid(
            name: "close-delimited", method: .get, wire: "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end",
            events: [head(200, "OK", ["Server": "old"], .http1_0), body("until the end"), .end(trailers: [:])]),
        Valid(
            name: "close-delimited without chunked last", method: .get,
            wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
            events: [head(200, "OK", ["Transfer-Encoding": "gzip"]), body("zz"), .end(trailers: [:])]),
        Valid(
            name: "HEAD has no body", method: .head,
            wire: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            events: [
                head(200, "OK", ["Content-Length": "1000"]), .end(trailers: [:]),
                head(404, "Not Found", ["Content-Length": "0"]), .end(trailers: [:]),
            ]),
        Valid(
            name: "204 and 304 have no body", method: .get,
            wire: "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
            events: [
                head(204, "No Content"), .end(trailers: [:]),
                head(304, "Not Modified", ["Content-Length": "10"]), .end(trailers: [:]),
            ]),
        Valid(
            name: "1xx skipped", method: .post,
            wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            events: [head(201, "Created", ["Content-Length": "2"]), body("ok"), .end(trailers: [:])]),
        Valid(
            name: "101 ends the HTTP part", method: .get,
            wire: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
            events: [head(101, "Switching Protocols", ["Upgrade": "x"]), .end(trailers: [:])]),
        Valid(
            name: "no reason phrase", method: .get, wire: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n",
            events: [
                head(200, "", ["Content-Length": "0"]), .end(trailers: [:]),
                head(500, "", ["Content-Length": "0"]), .end(trailers: [:]),
            ]),
    ]

    @Test(arguments: valid)
    func validResponseParsesAlikeAtEverySplit(_ response: Valid) {
        expectEverySplit(
            bytes(response.wire), gives: Outcome(events: response.events),
            with: { HTTPResponseParser(requestMethod: response.method) }, finish: true)
    }

    @Test func reasonPhraseIsKeptAsReceived() throws {
        var parser = HTTPResponseParser()
        let step = try parser.parse(bytes("HTTP/1.1 200 All Good\r\nContent-Length: 0\r\n\r\n")[...])
        guard case .head(let head) = step.event else { throw HTTPParseError.invalidStartLine }
        #expect(head.status.reasonPhrase == "All Good")
        #expect(head.keepAlive)
    }

    @Test func theRequestMethodCanChangeBetweenResponses() {
        var parser = HTTPResponseParser(requestMethod: .head)
        let first = feed(&parser, [bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")[...]])
        #expect(first == Outcome(events: [Self.head(200, "OK", ["Content-Length": "3"]), .end(trailers: [:])]))
        parser.requestMethod = .get
        let second = feed(&parser, [bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")[...]])
        #expect(second == Outcome(events: [Self.head(200, "OK", ["Content-Length": "3"]), body("abc"), .end(trailers: [:])]))
    }

    @Test(arguments: [
        ("HTTP/1.1 20 OK\r\n\r\n", HTTPParseError.invalidStartLine),
        ("HTTP/1.1 099 Low\r\n\r\n", .invalidStatus),
        ("HTTP/1.1 2x0 OK\r\n\r\n", .invalidStatus),
        ("HTTP/1.1 2000 OK\r\n\r\n", .invalidStartLine),
        ("HTTP/2 200 OK\r\n\r\n", .invalidStartLine),
        ("HTTP/3.0 200 OK\r\n\r\n", .unsupportedVersion),
        ("HTTP/1.1 200 O\u{0}K\r\n\r\n", .invalidStartLine),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithTransferEncoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n", .invalidTransferEncoding),
        ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", .unexpectedEndOfInput),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", .unexpectedEndOfInput),
        ("HTTP/1.1 200 OK\r\nContent", .unexpectedEndOfInput),
    ])
    func malformedResponseFails(wire: String, error: HTTPParseError) {
        for chunks in splits(of: bytes(wire)) {
            var parser = HTTPResponseParser()
            #expect(feed(&parser, chunks, finish: true).error == error, "\(wire.debugDescription)")
        }
    }

    @Test func aBodyLimitStopsAnEndlessResponse() {
        var parser = HTTPResponseParser(limits: HTTPParserLimits(maxBodyLength: 4))
        let outcome = feed(&parser, [bytes("HTTP/1.1 200 OK\r\n\r\nabc")[...], bytes("de")[...]])
        #expect(outcome == Outcome(events: [Self.head(200, "OK"), body("abcd")], error: .bodyTooLarge))
    }

    /// Found by the fuzzer: a close-delimited body over the limit gave part of the body or
    /// none depending on how the input was cut.
    @Test func fuzzCloseDelimitedBodyLimitIsTheSameAtEveryCut() throws {
        let input = try #require(Data(base64Encoded: Self.crashCloseDelimitedLimit)).map { $0 }
        let limits = HTTPParserLimits(maxStartLineLength: 40, maxHeaderBlockLength: 200, maxHeaderFields: 6, maxBodyLength: 300)
        var whole = HTTPResponseParser(limits: limits)
        let outcome = feed(&whole, [input[...]], finish: true)
        #expect(outcome.error == .bodyTooLarge)
        guard case .body(let bytes) = outcome.events.last else { throw HTTPParseError.bodyTooLarge }
        #expect(bytes.count == 300)
        expectEverySplit(input, gives: outcome, with: { HTTPResponseParser(limits: limits) }, finish: true)
    }

    static let crashCloseDelimitedLimit = """
        SFRUUC8xLjEgMTAwIENvbnRpbnVlDQoNCkhUVFAvMS4xIDIwMCBPSw0KVHJhbnNmZXItRW5jb2RpRGVmYXVsdEluZzogY2h1bmtl
        ZA0KDQowDQphYmNQT///UC8wDQo1DQogMzA0SG9zdP///////////////////////////////////////1BPU1cgL3UgSFRUUC8N
        CmENClRybGQNCjANCjANClgtQ2hlY2thbHVlDQq6c3Q6IGENClRybGQNCjANClgtQ0NoZWNrPYdhbHVlDQpzdDogYQ0KVHJsZP9y
        bGQNCjANClgtQ2hlY2s9dWUNCnN0OiBhDQpUcmxkDQowDQpYLUNDaGVjaz2HYWx1ZQ0Kc3Q6557y9auNk5sNCjANCjANClgtQ2hl
        Y2thbHVlDQpzdDogYQ0KVHJsDQpYLUNDaGVDaGVjaz11ZQ0KNQ0KIDMNCjANClgtQ0NoLUNoZWNrYWx1ZQ0Kc3Q6IGENbGQNCjAN
        CjANClgtQ2hlY2thbHVlDQpzdDogYQ0KVHJsZA0KMA0KWC1DQ2hlY2s9h2FsdWUNCnN0OiBhDQpUcmxk/3JsZA0KMA0KWC1DaGVj
        az11ZQ0Kc3Q6IGENClRybGQNCjANClgtQ+ee8vWrjZObDQowDQowDQpYLUNoZWNrYWx1ZQ0Kc3Q6IGENClRybA0KWC1DQ2hlQ2hl
        Y2s9dWUNCjUNCiAzMDRIb3N0//////////////////////////////8NCnN0OiBhDQpUcmxkDQowDQpYLUNDaC1DaGVja2FsdWUN
        CnN0OiBhDQpUcmxkDQowDQpYLUNDaGVjaz2HYWx1ZQ0Kc3Q6IGENClRyiIhudGVuDQp0LUxlbmd0RGVmYXUlbHRJaDogLDUsDQpU
        VVVVVWZlci1FbmNvZzogYzBo
        """.filter { !$0.isWhitespace }
}
