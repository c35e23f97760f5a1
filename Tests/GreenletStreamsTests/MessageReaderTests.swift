import Greenlet
import GreenletHTTP
import GreenletStreams
import GreenletTestSupport
import Testing

@Suite("MessageReader")
struct MessageReaderTests {
    /// The events a reader gives until the stream ends between messages, in a form tests
    /// can compare: heads as their start line, consecutive body pieces joined.
    private func events<Parser: HTTPMessageParser>(
        _ reader: inout MessageReader<Parser>, from stream: ScriptedStream,
        head describe: (Parser.Head) -> String
    ) async throws -> [String] {
        var seen: [String] = []
        while let event = try await reader.nextEvent(from: stream) {
            switch event {
            case .head(let head): seen.append("head \(describe(head))")
            case .body(let piece):
                let text = String(decoding: piece, as: UTF8.self)
                if let last = seen.last, last.hasPrefix("body ") { seen[seen.count - 1] += text } else { seen.append("body " + text) }
            case .end: seen.append("end")
            }
        }
        return seen
    }

    private func requests(_ text: String, chunkSize: Int, bufferSize: Int = 64 * 1024) async throws -> [String] {
        var reader = MessageReader(parser: HTTPRequestParser(), bufferSize: bufferSize)
        return try await events(&reader, from: ScriptedStream(text, chunkSize: chunkSize)) { "\($0.method.rawValue) \($0.target)" }
    }

    private func responses(_ text: String, chunkSize: Int, bufferSize: Int = 64 * 1024) async throws -> [String] {
        var reader = MessageReader(parser: HTTPResponseParser(), bufferSize: bufferSize)
        return try await events(&reader, from: ScriptedStream(text, chunkSize: chunkSize)) { "\($0.status.code)" }
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func requestsParseAcrossReadsOfAnySize(chunkSize: Int) async throws {
        let text = "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        let seen = try await requests(text, chunkSize: chunkSize)
        #expect(seen == ["head GET /a?b", "end", "head POST /form", "body hello", "end", "head PUT /c", "body abcde", "end"])
    }

    @Test(arguments: [1, 2, 5, 64])
    func responsesParseAcrossReadsOfAnySize(chunkSize: Int) async throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
            + "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
        let seen = try await responses(text, chunkSize: chunkSize)
        #expect(seen == ["head 200", "body abc", "end", "head 404", "body hello world", "end", "head 204", "end"])
    }

    @Test func aBodyLargerThanTheBufferComesInBufferSizedPieces() async throws {
        let body = String(repeating: "0123456789", count: 100)
        let stream = ScriptedStream("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body, chunkSize: 400)
        var reader = MessageReader(parser: HTTPResponseParser(), bufferSize: 7)
        var received: [UInt8] = []
        var largest = 0
        while let event = try await reader.nextEvent(from: stream) {
            if case .body(let piece) = event {
                received += piece
                largest = max(largest, piece.count)
            }
        }
        #expect(String(decoding: received, as: UTF8.self) == body)
        #expect(largest <= 7)
    }

    @Test func aResponseWithoutLengthEndsWithTheStream() async throws {
        let seen = try await responses("HTTP/1.1 200 OK\r\n\r\nuntil the end", chunkSize: 4)
        #expect(seen == ["head 200", "body until the end", "end"])
    }

    @Test func anEndBetweenMessagesIsNil() async throws {
        let stream = ScriptedStream("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", chunkSize: 10)
        var reader = MessageReader(parser: HTTPResponseParser())
        #expect(!reader.hasReceived)
        guard case .head(let head) = try await reader.nextEvent(from: stream) else {
            Issue.record("no head first")
            return
        }
        #expect(head.status.code == 200)
        #expect(try await reader.nextEvent(from: stream) == .end(trailers: [:]))
        #expect(try await reader.nextEvent(from: stream) == nil)
        #expect(reader.hasReceived)
    }

    @Test func anEmptyStreamIsNilWithNothingReceived() async throws {
        let stream = ScriptedStream()
        var reader = MessageReader(parser: HTTPRequestParser())
        #expect(try await reader.nextEvent(from: stream) == nil)
        #expect(!reader.hasReceived)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHo",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ])
    func anEndInsideARequestIsUnexpected(text: String) async throws {
        await #expect(throws: HTTPParseError.unexpectedEndOfInput) {
            _ = try await requests(text, chunkSize: 3)
        }
    }

    @Test(arguments: [
        "HTTP/1.1 200",
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "x", count: 50),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
    ])
    func anEndInsideAResponseIsUnexpected(text: String) async throws {
        await #expect(throws: HTTPParseError.unexpectedEndOfInput) {
            _ = try await responses(text, chunkSize: 5)
        }
    }

    @Test func bytesThatAreNotHTTPAreAParseError() async throws {
        await #expect(throws: HTTPParseError.invalidStartLine) {
            _ = try await responses("HTTP/1.1 OK fine\r\n\r\n", chunkSize: 4)
        }
    }

    @Test func theStreamsErrorsPassThrough() async throws {
        let stream = ScriptedStream([.bytes(Array("HTTP/1.1 200 OK\r\nContent-".utf8)), .fail(NetworkError.connectionReset)])
        var reader = MessageReader(parser: HTTPResponseParser())
        await #expect(throws: NetworkError.connectionReset) {
            _ = try await reader.nextEvent(from: stream)
        }
        #expect(reader.hasReceived)
    }
}
