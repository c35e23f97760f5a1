import GreenletHTTP
import Testing

@Suite("PercentEncoding")
struct PercentEncodingTests {
    private func encoded(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        PercentEncoding.append(text.utf8, to: &out, keeping: keep)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func rejectedBytesBecomeUppercaseEscapes() {
        #expect(encoded("a b/ü~", keeping: \.isUnreserved) == "a%20b%2F%C3%BC~")
        #expect(encoded("\u{0}\u{7F}", keeping: \.isUnreserved) == "%00%7F")
        #expect(encoded("", keeping: \.isUnreserved) == "")
    }

    @Test func theCallerSaysWhatStandsForItself() {
        #expect(encoded("/a b?c=d", keeping: { $0 > 0x20 && $0 < 0x7F }) == "/a%20b?c=d")
        #expect(encoded("xyz", keeping: { _ in false }) == "%78%79%7A")
    }

    @Test func escapesDecodeInEitherCase() {
        #expect(PercentEncoding.decode(UInt8(ascii: "2"), UInt8(ascii: "f")) == 0x2F)
        #expect(PercentEncoding.decode(UInt8(ascii: "C"), UInt8(ascii: "3")) == 0xC3)
        #expect(PercentEncoding.decode(UInt8(ascii: "0"), UInt8(ascii: "0")) == 0)
    }

    @Test func anythingButTwoHexDigitsIsNoEscape() {
        #expect(PercentEncoding.decode(UInt8(ascii: "g"), UInt8(ascii: "0")) == nil)
        #expect(PercentEncoding.decode(UInt8(ascii: "1"), nil) == nil)
        #expect(PercentEncoding.decode(nil, nil) == nil)
    }

    @Test func everyByteSurvivesARoundTrip() {
        let all = (0...255).map(UInt8.init)
        var out: [UInt8] = []
        PercentEncoding.append(all, to: &out) { _ in false }
        let decoded = stride(from: 0, to: out.count, by: 3).map { PercentEncoding.decode(out[$0 + 1], out[$0 + 2]) }
        #expect(decoded == all)
    }

    @Test func unreservedIsRFC3986sSet() {
        let unreserved = (0...255).map(UInt8.init).filter(\.isUnreserved)
        #expect(String(decoding: unreserved, as: UTF8.self) == "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~")
    }
}
