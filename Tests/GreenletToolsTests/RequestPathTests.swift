import Testing
@testable import GreenletTools

@Suite("RequestPath")
struct RequestPathTests {
    private func decode(_ path: String) throws(RequestPath.Refusal) -> (String, Bool) {
        var buffer = [UInt8](repeating: 0, count: path.utf8.count)
        let (count, isDirectoryForm) = try buffer.withUnsafeMutableBufferPointer { buffer throws(RequestPath.Refusal) in
            try RequestPath.decode(path[...], into: buffer)
        }
        return (String(decoding: buffer[..<count], as: UTF8.self), isDirectoryForm)
    }

    @Test func splitsPathAndQuery() throws {
        #expect(try RequestPath.split("/a/b?x=1?y") == ("/a/b", "x=1?y"))
        #expect(try RequestPath.split("/a") == ("/a", nil))
        #expect(try RequestPath.split("/?") == ("/", ""))
        #expect(try RequestPath.split("http://h") == ("/", nil))
        #expect(try RequestPath.split("HTTPS://h:443/x?y") == ("/x", "y"))
        #expect(try RequestPath.split("http://h?q") == ("/", "q"))
        #expect(throws: RequestPath.Refusal.malformed) { try RequestPath.split("*") }
        #expect(throws: RequestPath.Refusal.malformed) { try RequestPath.split("a/b") }
        #expect(throws: RequestPath.Refusal.malformed) { try RequestPath.split("file:///etc/passwd") }
    }

    @Test func decodesSegments() throws {
        #expect(try decode("/") == ("", true))
        #expect(try decode("/a") == ("a", false))
        #expect(try decode("/a/./b//c/") == ("a/b/c", true))
        #expect(try decode("/%41%62%2e/c%20d") == ("Ab./c d", false))
        #expect(try decode("/caf%c3%a9/...") == ("café/...", false))
        #expect(try decode("/a/%2e/") == ("a", true))
        #expect(try decode("/a+b") == ("a+b", false))
    }

    @Test(arguments: ["/..", "/../a", "/a/../b", "/%2e%2e", "/a/%2E%2e/", "/.%2e/x", "/%2f", "/a%2Fb", "/a%00", "/\u{0}"])
    func refusesWhatCouldLeaveTheRoot(path: String) {
        #expect(throws: RequestPath.Refusal.outside) { try decode(path) }
    }

    @Test(arguments: ["/%", "/%4", "/%zz", "/a%g1", "/%%41"])
    func refusesBadEscapes(path: String) {
        #expect(throws: RequestPath.Refusal.malformed) { try decode(path) }
    }
}
