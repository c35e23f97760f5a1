import Testing
@testable import GreenletTools

@Suite("LineFramer")
struct LineFramerTests {
    private func pieces(_ text: [UInt8], maxLength: Int = 8, cutEvery size: Int) -> [LineFramer.Piece] {
        var framer = LineFramer(maxLength: maxLength)
        var out: [LineFramer.Piece] = []
        var offset = 0
        while offset < text.count {
            out += framer.feed(text[offset..<min(text.count, offset + size)])
            offset += size
        }
        return out
    }

    @Test(arguments: 1...12)
    func linesComeOutTheSameHoweverTheBytesArrive(size: Int) {
        let text = Array("one\ntwo\r\n\nthree\r\r\nfour".utf8)
        #expect(pieces(text, cutEvery: size) == [
            .line(Array("one".utf8)), .line(Array("two".utf8)), .line([]), .line(Array("three\r".utf8)),
        ])
    }

    @Test(arguments: 1...20)
    func aLineOverTheLimitIsReportedOnceAndDropped(size: Int) {
        let text = Array("12345678\n123456789\r\nabcdefghijklmnop\n12345678\r\nok\n".utf8)
        #expect(pieces(text, cutEvery: size) == [
            .line(Array("12345678".utf8)), .tooLong, .tooLong, .line(Array("12345678".utf8)), .line(Array("ok".utf8)),
        ])
    }

    @Test func anEndlessLineNeverGrowsTheBuffer() {
        var framer = LineFramer(maxLength: 4096)
        var reported: [LineFramer.Piece] = []
        for _ in 0..<1000 { reported += framer.feed([UInt8](repeating: 0x61, count: 1000)) }
        reported += framer.feed(Array("\nnext\n".utf8))
        #expect(reported == [.tooLong, .line(Array("next".utf8))])
    }
}
