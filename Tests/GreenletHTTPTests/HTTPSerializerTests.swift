import GreenletHTTP
import HTTPTypes
import Testing

@Suite("HTTPSerializer")
struct HTTPSerializerTests {
    @Test func responseHeadIsByteExact() {
        var out: [UInt8] = [0x41]
        let head = HTTPResponseHead(status: .notFound, headerFields: fields(["Content-Length": "0", "Server": "greenlet"]))
        HTTPSerializer.append(head, to: &out)
        #expect(out == bytes("AHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nServer: greenlet\r\n\r\n"))
    }

    @Test func headWrittenFieldByField() {
        var out: [UInt8] = []
        HTTPSerializer.appendStatusLine(.partialContent, to: &out)
        HTTPSerializer.appendField("Content-Length", decimal: 0, to: &out)
        HTTPSerializer.appendField("Content-Length", decimal: 1_048_576, to: &out)
        HTTPSerializer.appendField("ETag", "\"5f-1a\"", to: &out)
        HTTPSerializer.appendFields(fields(["Content-Range": "bytes 0-9/26"]), to: &out)
        HTTPSerializer.closeHead(to: &out)
        #expect(out == bytes(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: 0\r\nContent-Length: 1048576\r\nETag: \"5f-1a\"\r\n"
                + "Content-Range: bytes 0-9/26\r\n\r\n"))
    }

    @Test func customStatusAndVersion() {
        var out: [UInt8] = []
        HTTPSerializer.append(HTTPResponseHead(status: 299, version: .http1_0), to: &out)
        #expect(out == bytes("HTTP/1.0 299 \r\n\r\n"))
    }

    @Test func requestHeadPercentEncodesWhatARequestLineCannotHold() {
        var out: [UInt8] = []
        let head = HTTPRequestHead(method: .get, target: "/a b/\u{e9}?q=1", headerFields: fields(["Host": "example.com"]))
        HTTPSerializer.append(head, to: &out)
        #expect(out == bytes("GET /a%20b/%C3%A9?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
    }

    @Test func fieldValuesCannotSplitTheHead() {
        var out: [UInt8] = []
        let head = HTTPResponseHead(status: .ok, headerFields: fields(["X-Evil": "a\r\nSet-Cookie: b"]))
        HTTPSerializer.append(head, to: &out)
        #expect(out == bytes("HTTP/1.1 200 OK\r\nX-Evil: a  Set-Cookie: b\r\n\r\n"))
    }

    @Test func chunkFraming() {
        var out: [UInt8] = []
        HTTPSerializer.appendChunk(bytes("hello, chunked world"), to: &out)
        HTTPSerializer.appendChunk([], to: &out)
        HTTPSerializer.appendLastChunk(to: &out)
        #expect(out == bytes("14\r\nhello, chunked world\r\n0\r\n\r\n"))
        out = []
        HTTPSerializer.appendLastChunk(trailers: fields(["X-Sum": "1"]), to: &out)
        #expect(out == bytes("0\r\nX-Sum: 1\r\n\r\n"))
    }

    @Test func requestRoundTrip() {
        let head = HTTPRequestHead(
            method: .post, target: "/upload?x=1",
            headerFields: fields(["Host": "a", "Transfer-Encoding": "chunked", "X-Mixed-Case": "Value"]))
        var wire: [UInt8] = []
        HTTPSerializer.append(head, to: &wire)
        HTTPSerializer.appendChunk(bytes("abc"), to: &wire)
        HTTPSerializer.appendChunk(Array(repeating: 0x7A, count: 300), to: &wire)
        HTTPSerializer.appendLastChunk(trailers: fields(["X-Done": "yes"]), to: &wire)
        let expected = Outcome<HTTPRequestHead>(events: [
            .head(head), .body(ArraySlice(bytes("abc") + Array(repeating: 0x7A, count: 300))),
            .end(trailers: fields(["X-Done": "yes"])),
        ])
        expectEverySplit(wire, gives: expected, with: { HTTPRequestParser() })
    }

    @Test func responseRoundTrip() {
        let head = HTTPResponseHead(
            status: .init(code: 206, reasonPhrase: "Partial Content"), version: .http1_0,
            headerFields: fields(["Content-Length": "4", "Content-Range": "bytes 0-3/10"]))
        var wire: [UInt8] = []
        HTTPSerializer.append(head, to: &wire)
        wire += bytes("0123")
        expectEverySplit(
            wire, gives: Outcome(events: [.head(head), body("0123"), .end(trailers: [:])]),
            with: { HTTPResponseParser() })
    }
}
