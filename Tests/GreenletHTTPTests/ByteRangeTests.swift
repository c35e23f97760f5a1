import Testing
import GreenletHTTP

@Suite("ByteRange")
struct ByteRangeTests {
    @Test func singleRanges() {
        #expect(ByteRange(header: "bytes=0-0", size: 10) == .part(offset: 0, length: 1))
        #expect(ByteRange(header: "bytes=2-5", size: 10) == .part(offset: 2, length: 4))
        #expect(ByteRange(header: "bytes=2-", size: 10) == .part(offset: 2, length: 8))
        #expect(ByteRange(header: "bytes=-4", size: 10) == .part(offset: 6, length: 4))
        #expect(ByteRange(header: "bytes=-40", size: 10) == .part(offset: 0, length: 10))
        #expect(ByteRange(header: "bytes=9-40", size: 10) == .part(offset: 9, length: 1))
        #expect(ByteRange(header: " BYTES=\t1-2 ", size: 10) == .part(offset: 1, length: 2))
    }

    @Test func unsatisfiable() {
        #expect(ByteRange(header: "bytes=10-", size: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=10-20", size: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-0", size: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-5", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
    }

    @Test(arguments: ["", "bytes", "bytes=", "bytes=-", "bytes=a-1", "bytes=1-a", "bytes=5-4", "bytes=0-1,2-3", "bytes=0-1,",
                      "bytes=+1-2", "bytes=1 2-3", "pages=1-2", "bytes=--1", "bytes=1--2"])
    func ignored(header: String) {
        #expect(ByteRange(header: header, size: 10) == .whole)
    }
}
