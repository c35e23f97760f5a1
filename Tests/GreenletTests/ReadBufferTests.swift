import Testing
@testable import Greenlet

@Suite("ReadBuffer")
struct ReadBufferTests {
    @Test func bytesLeaveInTheOrderTheyCame() {
        var buffer = ReadBuffer()
        #expect(buffer.isEmpty)
        buffer.append(Array("hello ".utf8))
        buffer.append(Array("world".utf8))
        #expect(buffer.count == 11)
        #expect(buffer.take(3) == Array("hel".utf8))
        var target = [UInt8](repeating: 0, count: 4)
        #expect(target.withUnsafeMutableBytes { buffer.take(into: $0) } == 4)
        #expect(target == Array("lo w".utf8))
        #expect(buffer.take(100) == Array("orld".utf8))
        #expect(buffer.isEmpty)
    }

    @Test func aTargetLargerThanWhatIsHeldGetsWhatIsHeld() {
        var buffer = ReadBuffer()
        buffer.append([1, 2])
        var target = [UInt8](repeating: 9, count: 5)
        #expect(target.withUnsafeMutableBytes { buffer.take(into: $0) } == 2)
        #expect(target == [1, 2, 9, 9, 9])
        #expect(buffer.isEmpty)
    }

    @Test func delimitersAreFoundFromTheFirstByteHeld() {
        var buffer = ReadBuffer()
        buffer.append(Array("ab\r\ncd\r\nef".utf8))
        let crlf: [UInt8] = [0x0D, 0x0A]
        #expect(buffer.firstIndex(of: crlf, from: 0) == 2)
        #expect(buffer.firstIndex(of: crlf, from: 3) == 6)
        buffer.drop(4)
        #expect(buffer.firstIndex(of: crlf, from: 0) == 2)
        #expect(buffer.firstIndex(of: [0x0A], from: 4) == nil)
        #expect(buffer.firstIndex(of: crlf, from: 100) == nil)
    }

    @Test func aLongConsumedPrefixIsCompactedWithoutLosingBytes() {
        var buffer = ReadBuffer()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        buffer.append(bytes)
        var taken: [UInt8] = []
        while !buffer.isEmpty { taken += buffer.take(30_001) }
        #expect(taken == bytes)
    }
}
