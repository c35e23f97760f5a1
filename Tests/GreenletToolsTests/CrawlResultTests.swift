import Foundation
import Testing
@testable import GreenletTools

@Suite("CrawlResult")
struct CrawlResultTests {
    static func result(_ url: String, status: Int? = nil, bytes: Int = 0, ms: Double = 0,
                       sha256: String? = nil, error: String? = nil, finalURL: String? = nil) -> CrawlResult {
        var result = CrawlResult(url: url)
        result.status = status
        result.bytes = bytes
        result.milliseconds = ms
        result.sha256 = sha256
        result.error = error
        result.finalURL = finalURL
        return result
    }

    static let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

    @Test func aFetchIsOneLineWithSortedKeys() {
        let fetched = Self.result("http://127.0.0.1:8080/a/b?x=1", status: 200, bytes: 5, ms: 12.34567,
                                  sha256: Self.digest, finalURL: "http://127.0.0.1:8080/c")
        #expect(fetched.jsonLine == #"{"attempts":1,"bytes":5,"error":null,"final_url":"http://127.0.0.1:8080/c","ms":12.346,"#
            + #""sha256":"\#(Self.digest)","status":200,"url":"http://127.0.0.1:8080/a/b?x=1"}"#)
        let failed = Self.result("http://127.0.0.1:1/", ms: 3, error: "connection refused")
        #expect(failed.jsonLine == #"{"attempts":1,"bytes":0,"error":"connection refused","final_url":null,"ms":3,"#
            + #""sha256":null,"status":null,"url":"http://127.0.0.1:1/"}"#)
    }

    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        let odd = Self.result("http://h/\"q\"\\back\u{01}\u{1F}\n\r\t\u{08}\u{0C}é/🙂", error: "a \"b\"")
        #expect(odd.jsonLine.hasSuffix(#","url":"http://h/\"q\"\\back\u0001\u001f\n\r\t\b\f"# + "é/🙂\"}"))
        #expect(odd.jsonLine.contains(#""error":"a \"b\"","#))
    }

    static let variety = [
        CrawlResultTests.result("http://127.0.0.1/", status: 200, bytes: 1 << 40, ms: 0.001, sha256: digest),
        CrawlResultTests.result("http://127.0.0.1/x", status: 404, bytes: 9, ms: 100, sha256: digest, finalURL: "http://127.0.0.1/y"),
        CrawlResultTests.result("http://h/\"q\"\\\u{01}\u{7F}é🙂\u{2028}", ms: 123456.789, error: "a\n\r\t\u{08}\u{0C}\u{1F} b"),
    ]

    @Test(arguments: variety)
    func whatJSONSerializationReadsIsTheResult(result: CrawlResult) throws {
        let line = result.jsonLine
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["url"] as? String == result.url)
        #expect(object["error"] as? String == result.error)
        #expect(CrawlResult(jsonLine: line) == result)
        #expect(!line.contains("\n"))
    }

    /// Byte for byte what JSONSerialization wrote with sorted keys, so that readers of
    /// earlier output see no change.
    @Test(arguments: variety)
    func theBytesAreJSONSerializations(result: CrawlResult) throws {
        let object: [String: Any] = [
            "url": result.url, "status": result.status ?? NSNull(), "bytes": result.bytes,
            "ms": (result.milliseconds * 1000).rounded() / 1000, "sha256": result.sha256 ?? NSNull(),
            "error": result.error ?? NSNull(), "final_url": result.finalURL ?? NSNull(), "attempts": result.attempts,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(result.jsonLine == String(decoding: data, as: UTF8.self))
    }

    /// A worker process's answer also says whether a retry may help, which a user's
    /// output never shows.
    @Test(arguments: [nil, 0, 2.5] as [Double?])
    func aWorkerLineCarriesTheRetryHint(retryAfter: Double?) throws {
        var result = CrawlResultTests.result("http://h/", ms: 1, error: nil)
        result.attempts = 3
        result.retryAfter = retryAfter
        let back = try #require(CrawlResult(jsonLine: result.workerLine))
        #expect(back.retryAfter == retryAfter)
        #expect(back.attempts == 3)
        #expect(!result.jsonLine.contains("retry_after"))
        #expect(result.jsonLine.hasPrefix(#"{"attempts":3,"bytes":"#))
    }

    @Test(arguments: ["", "{}", "[1]", #"{"url":"x"}"#, #"{"url":1,"bytes":0,"ms":0}"#, "not json"])
    func anythingElseIsNoResult(line: String) {
        #expect(CrawlResult(jsonLine: line) == nil)
    }
}
