import Testing
import GreenletHTTP

@Suite("ContentDecoder")
struct ContentDecoderTests {
    static let gzip = ContentEncoder.Format.gzip, zlib = ContentEncoder.Format.zlib, raw = ContentEncoder.Format.raw

    @Test(arguments: [1, 7, 65_536])
    func gzipRoundTripsFedInPiecesOfAnySize(feedSize: Int) throws {
        let text = Self.text(count: 1 << 20)
        #expect(try Self.decode(ContentEncoder.compress(text, as: Self.gzip), feedSize: feedSize) == text)
    }

    @Test func outputComesInBoundedPiecesWhateverTheRatio() throws {
        let zeros = [UInt8](repeating: 0, count: 10 << 20)
        let body = ContentEncoder.compress(zeros, as: Self.gzip)
        #expect(body.count < 20_000)
        // `decode` checks every piece against the bound.
        #expect(try Self.decode(body) == zeros)
    }

    @Test(arguments: [1, Int.max])
    func deflateIsZlibWrapped(feedSize: Int) throws {
        let text = Self.text(count: 100_000)
        #expect(try Self.decode(ContentEncoder.compress(text, as: Self.zlib), coding: "deflate", feedSize: feedSize) == text)
    }

    @Test(arguments: [1, 2, Int.max])
    func rawDeflateIsAcceptedAsDeflate(feedSize: Int) throws {
        let text = Self.text(count: 100_000)
        #expect(try Self.decode(ContentEncoder.compress(text, as: Self.raw), coding: "deflate", feedSize: feedSize) == text)
    }

    @Test(arguments: [
        ("gzip", ContentDecoder.Coding.gzip), ("x-gzip", .gzip), ("GZIP", .gzip), (" X-Gzip\t", .gzip), ("gzip, ", .gzip),
        ("deflate", .deflate), ("Deflate ", .deflate),
    ])
    func namesCodingsCaseInsensitively(value: String, coding: ContentDecoder.Coding) throws {
        #expect(try #require(ContentDecoder(contentEncoding: value)).coding == coding)
    }

    @Test(arguments: ["", " ", "identity", "br", "zstd", "compress", "gzip, deflate", "gzip, gzip", "gzip;q=1", "gzipx"])
    func passesThroughWhatItDoesNotDecode(value: String) {
        #expect(ContentDecoder(contentEncoding: value) == nil)
    }

    @Test func acceptsWhatItDecodes() {
        #expect(ContentDecoder.acceptEncoding == "gzip, deflate")
    }

    @Test(arguments: [1, Int.max])
    func concatenatedGzipMembersDecodeInOrder(feedSize: Int) throws {
        let first = Self.text(count: 30_000, seed: 1), second = Self.text(count: 50_000, seed: 2)
        let body = ContentEncoder.compress(first, as: Self.gzip) + ContentEncoder.compress(second, as: Self.gzip)
        #expect(try Self.decode(body, feedSize: feedSize) == first + second)
    }

    @Test(arguments: [(gzip, "gzip", "bad gzip"), (zlib, "deflate", "bad deflate")])
    func corruptByteThrowsAndKeepsThrowing(format: ContentEncoder.Format, coding: String, description: String) throws {
        var body = ContentEncoder.compress(Self.text(count: 100_000), as: format)
        body[body.count / 2] ^= 0x55
        let decoder = try #require(ContentDecoder(contentEncoding: coding))
        decoder.feed(body[...])
        let error = ContentDecodingError.corrupt(decoder.coding)
        #expect(throws: error) { while try decoder.next() != nil {} }
        #expect(error.description == description)
        #expect(throws: error) { try decoder.next() }
        #expect(throws: error) { try decoder.finish() }
    }

    @Test(arguments: [(gzip, "gzip", "truncated gzip"), (zlib, "deflate", "truncated deflate"), (raw, "deflate", "truncated deflate")])
    func truncatedStreamThrowsAtFinish(format: ContentEncoder.Format, coding: String, description: String) throws {
        let text = Self.text(count: 100_000)
        let body = ContentEncoder.compress(text, as: format).dropLast(10)
        let decoder = try #require(ContentDecoder(contentEncoding: coding))
        decoder.feed(body)
        var output: [UInt8] = []
        while let piece = try decoder.next() { output += piece }
        #expect(text.starts(with: output))
        let error = ContentDecodingError.truncated(decoder.coding)
        #expect(throws: error) { try decoder.finish() }
        #expect(error.description == description)
    }

    // Some servers pad the body after the stream; gunzip ignores what follows, and so do we.
    @Test(arguments: [(gzip, "gzip"), (zlib, "deflate"), (raw, "deflate")])
    func bytesAfterTheStreamAreIgnored(format: ContentEncoder.Format, coding: String) throws {
        let text = Self.text(count: 10_000)
        let body = ContentEncoder.compress(text, as: format) + [0, 0, 0, 0] + Array("trailing garbage".utf8)
        #expect(try Self.decode(body, coding: coding) == text)
        #expect(try Self.decode(body, coding: coding, feedSize: 1) == text)
    }

    // Servers label empty bodies (a 200 with Content-Length: 0) gzip too: no bytes at all is no
    // truncated stream.
    @Test(arguments: ["gzip", "deflate"])
    func emptyBodyDecodesToNothing(coding: String) throws {
        let decoder = try #require(ContentDecoder(contentEncoding: coding))
        decoder.feed([])
        #expect(try decoder.next() == nil)
        try decoder.finish()
    }

    /// Feeds `body` in pieces of `feedSize` bytes, taking the output after each, and checks
    /// every output piece against the bound.
    static func decode(_ body: [UInt8], coding: String = "gzip", feedSize: Int = .max) throws -> [UInt8] {
        let decoder = try #require(ContentDecoder(contentEncoding: coding))
        var output: [UInt8] = []
        var start = 0
        while start < body.count {
            let end = start + min(feedSize, body.count - start)
            decoder.feed(body[start..<end])
            start = end
            while let piece = try decoder.next() {
                if piece.isEmpty || piece.count > ContentDecoder.maxPieceLength {
                    Issue.record("a piece of \(piece.count) bytes")
                }
                output += piece
            }
        }
        try decoder.finish()
        return output
    }

    /// Words drawn pseudo-randomly from a small vocabulary: text that compresses like prose.
    static func text(count: Int, seed: UInt64 = 0) -> [UInt8] {
        let words = ["green", "thread", "hub", "socket", "park", "wake", "timer", "offload", "deflate", "the", "a", "of"]
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var text: [UInt8] = []
        text.reserveCapacity(count + 16)
        while text.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += words[Int(state >> 33) % words.count].utf8
            text.append(state & 0x1F_0000_0000 == 0 ? 0x0A : 0x20)
        }
        return Array(text.prefix(count))
    }
}
