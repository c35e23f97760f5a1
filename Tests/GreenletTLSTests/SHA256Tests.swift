import GreenletTLS
import Testing

@Suite("SHA256")
struct SHA256Tests {
    @Test func knownVectors() {
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingInPiecesEqualsOneShot() {
        let text = Array((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var streamed = SHA256()
        var start = 0
        for size in [0, 1, 63, 64, 65, 1000, 4096] {
            text[start..<start + size].withUnsafeBytes { streamed.update($0) }
            start += size
        }
        text[start...].withUnsafeBytes { streamed.update($0) }
        var oneShot = SHA256()
        text.withUnsafeBytes { oneShot.update($0) }
        #expect(streamed.finalizeHex() == oneShot.finalizeHex())
    }

    @Test func copyTakenMidStreamIsIndependent() {
        var original = SHA256()
        Array("ab".utf8).withUnsafeBytes { original.update($0) }
        var copy = original
        Array("c".utf8).withUnsafeBytes { copy.update($0) }
        #expect(copy.finalizeHex() == digest("abc"))
        #expect(original.finalizeHex() == digest("ab"))
    }

    private func digest(_ text: String) -> String {
        var sha = SHA256()
        Array(text.utf8).withUnsafeBytes { sha.update($0) }
        return sha.finalizeHex()
    }
}
