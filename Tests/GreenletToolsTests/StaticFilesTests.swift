import Foundation
import Glibc
import HTTPTypes
import Testing
@testable import GreenletTools

@Suite("StaticFiles")
struct StaticFilesTests {
    let tree: ServeHTTPFixture
    let files: StaticFiles
    let now = ServeHTTPFixture.modified + 3600
    let alphabetTag = "\"\(String(ServeHTTPFixture.modified, radix: 16))-1a\""
    let lastModified = "Sun, 06 Nov 1994 08:49:37 GMT"

    init() throws {
        tree = try ServeHTTPFixture()
        files = try StaticFiles(root: tree.root)
    }

    private func get(_ target: String, _ fields: HTTPFields = [:], method: HTTPRequest.Method = .get, now: Int? = nil, files: StaticFiles? = nil) -> StaticResponse {
        (files ?? self.files).respond(method: method, target: target, headerFields: fields, now: now ?? self.now)
    }

    // MARK: the root

    @Test func aRootThatCannotBeServedIsOneLineOfError() throws {
        #expect(throws: StaticFilesError(root: tree.base + "/nope", reason: .noSuchDirectory)) { try StaticFiles(root: tree.base + "/nope") }
        #expect(throws: StaticFilesError(root: tree.root + "/alphabet.txt", reason: .notADirectory)) { try StaticFiles(root: tree.root + "/alphabet.txt") }
        #expect(StaticFilesError(root: "/x", reason: .noSuchDirectory).description == "cannot serve /x: no such directory")
        #expect(StaticFilesError(root: "/x", reason: .notADirectory).description == "cannot serve /x: not a directory")
        #expect(StaticFilesError(root: "/x", reason: .permissionDenied).description == "cannot serve /x: permission denied")
        #expect(try StaticFiles(root: tree.root + "/insub/").rootPath == tree.root + "/sub")
    }

    @Test(.disabled(if: ServeHTTPFixture.isRoot, "root reads everything"))
    func anUnreadableRootIsRefused() throws {
        let closed = tree.root + "/sub"
        chmod(closed, 0)
        defer { chmod(closed, 0o755) }
        #expect(throws: StaticFilesError(root: closed, reason: .permissionDenied)) { try StaticFiles(root: closed) }
    }

    // MARK: files

    @Test func aFileComesWithItsMetadataAndAnOpenDescriptor() {
        let response = get("/alphabet.txt")
        #expect(response.status == .ok)
        #expect(response.headerFields == [
            .contentType: "text/plain; charset=utf-8", .contentLength: "26", .lastModified: lastModified,
            .eTag: alphabetTag, .acceptRanges: "bytes",
        ])
        #expect(response.bodyCount == 26)
        #expect(response.bodyText() == ServeHTTPFixture.alphabet)
    }

    @Test func theHeadWrittenFromTypedFieldsHoldsExactlyHeaderFields() {
        for response in [get("/alphabet.txt", [.range: "bytes=1-2"]), get("/alphabet.txt"), get("/sub"), get("/nope")] {
            var written: [UInt8] = []
            response.appendFields(to: &written)
            var expected = ""
            for field in response.headerFields { expected += "\(field.name.rawName): \(field.value)\r\n" }
            #expect(String(decoding: written, as: UTF8.self) == expected)
            _ = response.bodyText()
        }
    }

    @Test func headGetsTheSameFieldsAndNoBody() {
        let response = get("/alphabet.txt", method: .head)
        #expect(response.status == .ok)
        #expect(response.headerFields == get("/alphabet.txt").headerFields)
        #expect(response.body == .none)
        #expect(response.bodyCount == 0)
        let listing = get("/sub/", method: .head)
        #expect(listing.headerFields[.contentLength] == String(get("/sub/").bodyCount))
        #expect(listing.body == .none)
    }

    @Test func otherMethodsAreNotAllowed() {
        for method in [HTTPRequest.Method.post, .put, .delete, .options, .init("BREW")!] {
            let response = get("/alphabet.txt", method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headerFields[.allow] == "GET, HEAD")
            #expect(response.headerFields[.contentType] == "text/html; charset=utf-8")
            #expect(response.bodyText().contains("405 Method Not Allowed"))
        }
    }

    @Test func pathsArePercentDecodedAndTheQueryIgnored() {
        #expect(get("/a%20b.txt").bodyText() == "spaced")
        #expect(get("/caf%C3%A9%20%E2%98%95.txt").bodyText() == "unicode")
        #expect(get("/%3Cscript%3E%26'%22.txt").bodyText() == "markup")
        #expect(get("/alphabet.txt?download=1&x=%zz").bodyText() == ServeHTTPFixture.alphabet)
        #expect(get("//sub/./b.json").bodyText() == "{}")
        #expect(get("/a+b.txt").status == .notFound)
        #expect(get("http://example.com/alphabet.txt?x").bodyText() == ServeHTTPFixture.alphabet)
    }

    @Test(arguments: ["/a%2", "/a%", "/%zz.txt", "/%g0", "*", "alphabet.txt", "ftp://h/alphabet.txt"])
    func malformedTargetsAreBadRequests(target: String) {
        let response = get(target)
        #expect(response.status == .badRequest)
        #expect(response.bodyText().contains("400 Bad Request"))
    }

    @Test func missingFilesAreNotFound() {
        #expect(get("/missing.txt").status == .notFound)
        #expect(get("/missing/dir/").status == .notFound)
        #expect(get("/alphabet.txt/").status == .notFound)
        #expect(get("/alphabet.txt/x").status == .notFound)
        #expect(get("/missing.txt").bodyText().contains("404 Not Found"))
    }

    @Test(.disabled(if: ServeHTTPFixture.isRoot, "root reads everything"))
    func anUnreadableFileIsForbidden() throws {
        try tree.addUnreadableFile()
        #expect(get("/unreadable.txt").status == .forbidden)
    }

    @Test func aFIFOIsForbiddenWithoutBlocking() {
        #expect(mkfifo(tree.root + "/pipe", 0o644) == 0)
        #expect(get("/pipe").status == .forbidden)
    }

    // MARK: the root's boundary

    /// Both ways of opening: the kernel's `RESOLVE_BENEATH`, and the real-path check.
    @Test(arguments: [true, false])
    func nothingOutsideTheRootIsServed(beneath: Bool) throws {
        let files = try StaticFiles(root: ServedRoot(tree.root, beneath: beneath))
        let attempts = [
            "/../etc/passwd", "/../outside/secret.txt", "/%2e%2e/", "/%2E%2E/outside/secret.txt", "/a/%2e%2e/%2e%2e/x",
            "/a/%2e%2e/%2e%2e/outside/secret.txt", "/%2f..", "/%2fetc%2fpasswd", "/a%2f..%2f..%2foutside%2fsecret.txt",
            "/a%00b", "/alphabet.txt%00.html", "/a/..", "/..", "/leak.txt", "/leakabs.txt", "/a-leak.txt",
            "/outdir", "/outdir/", "/outdir/secret.txt", "http://h/../outside/secret.txt",
        ]
        for target in attempts {
            let response = get(target, files: files)
            #expect(response.status == .forbidden, "\(target)")
            #expect(!response.bodyText().contains(ServeHTTPFixture.secret), "\(target)")
        }
        #expect(get("/leak.txt", method: .head, files: files).status == .forbidden)
    }

    @Test(arguments: [true, false])
    func symlinksInsideTheRootAreFollowed(beneath: Bool) throws {
        let files = try StaticFiles(root: ServedRoot(tree.root, beneath: beneath))
        #expect(get("/in.txt", files: files).bodyText() == ServeHTTPFixture.alphabet)
        #expect(get("/inabs.txt", files: files).bodyText() == ServeHTTPFixture.alphabet)
        #expect(get("/insub/b.json", files: files).bodyText() == "{}")
        #expect(get("/alphabet.txt", files: files).bodyText() == ServeHTTPFixture.alphabet)
        #expect(get("/", files: files).status == .ok)
    }

    // MARK: directories

    @Test func aDirectoryWithoutItsSlashRedirectsKeepingTheQuery() {
        let plain = get("/sub")
        #expect(plain.status == .movedPermanently)
        #expect(plain.headerFields[.location] == "/sub/")
        #expect(plain.headerFields[.contentType] == "text/html; charset=utf-8")
        #expect(plain.headerFields[.contentLength] == String(plain.bodyCount))
        #expect(get("/sub?x=1&y=%20").headerFields[.location] == "/sub/?x=1&y=%20")
        #expect(get("/sub/z%20dir?q").headerFields[.location] == "/sub/z%20dir/?q")
        #expect(get("http://h:8088/sub?q").headerFields[.location] == "/sub/?q")
        #expect(get("/sub", method: .head).body == .none)
    }

    @Test func aDirectoryServesItsIndex() {
        let response = get("/withindex/")
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == "text/html; charset=utf-8")
        #expect(response.headerFields[.eTag] != nil)
        #expect(response.bodyText() == "<h1>home</h1>")
        #expect(get("/withindex/", [.ifNoneMatch: response.headerFields[.eTag]!]).status == .notModified)
    }

    @Test func aDirectoryWithoutIndexIsListedSortedAndEscaped() {
        let response = get("/")
        #expect(response.status == .ok)
        #expect(response.headerFields == [.contentType: "text/html; charset=utf-8", .contentLength: String(response.bodyCount)])
        let page = response.bodyText()
        let items = page.split(separator: "\n").filter { $0.hasPrefix("<li>") }
        #expect(items == [
            #"<li><a href="%3Cscript%3E%26%27%22.txt">&lt;script&gt;&amp;&#39;&quot;.txt</a></li>"#,
            #"<li><a href="a/">a/</a></li>"#,
            #"<li><a href="a%20b.txt">a b.txt</a></li>"#,
            #"<li><a href="a-leak.txt">a-leak.txt</a></li>"#,
            #"<li><a href="alphabet.txt">alphabet.txt</a></li>"#,
            #"<li><a href="caf%C3%A9%20%E2%98%95.txt">café ☕.txt</a></li>"#,
            #"<li><a href="data.bin">data.bin</a></li>"#,
            #"<li><a href="empty.txt">empty.txt</a></li>"#,
            #"<li><a href="image.PNG">image.PNG</a></li>"#,
            #"<li><a href="in.txt">in.txt</a></li>"#,
            #"<li><a href="inabs.txt">inabs.txt</a></li>"#,
            #"<li><a href="insub/">insub/</a></li>"#,
            #"<li><a href="leak.txt">leak.txt</a></li>"#,
            #"<li><a href="leakabs.txt">leakabs.txt</a></li>"#,
            #"<li><a href="noext">noext</a></li>"#,
            #"<li><a href="outdir/">outdir/</a></li>"#,
            #"<li><a href="sub/">sub/</a></li>"#,
            #"<li><a href="withindex/">withindex/</a></li>"#,
        ])
        #expect(page.contains("<title>Index of /</title>"))
        #expect(!page.contains("../"))
        let sub = get("/sub/z%20dir/").bodyText()
        #expect(sub.contains("<h1>Index of /sub/z dir/</h1>"))
        #expect(sub.contains(#"<li><a href="../">../</a></li>"#))
        #expect(sub.contains(#"<li><a href="deep.txt">deep.txt</a></li>"#))
    }

    // MARK: types

    @Test(arguments: [
        ("/alphabet.txt", "text/plain; charset=utf-8"), ("/sub/b.json", "application/json"), ("/sub/c.css", "text/css; charset=utf-8"),
        ("/image.PNG", "image/png"), ("/data.bin", "application/octet-stream"), ("/noext", "application/octet-stream"),
        ("/withindex/index.html", "text/html; charset=utf-8"),
    ])
    func contentTypeFollowsTheExtension(target: String, type: String) {
        let response = get(target)
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == type)
        _ = response.bodyText()
    }

    @Test func anEmptyFileHasNoBody() {
        let response = get("/empty.txt")
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentLength] == "0")
        #expect(response.body == .none)
        #expect(get("/empty.txt", [.range: "bytes=0-"]).status == .rangeNotSatisfiable)
    }

    // MARK: conditional requests

    @Test func aMatchingIfNoneMatchIsNotModified() {
        for tags in [alphabetTag, "\"other\", \(alphabetTag)", "*", "W/\(alphabetTag)", " \"a\" ,W/\(alphabetTag) "] {
            let response = get("/alphabet.txt", [.ifNoneMatch: tags])
            #expect(response.status == .notModified, "\(tags)")
            #expect(response.headerFields == [.lastModified: lastModified, .eTag: alphabetTag])
            #expect(response.body == .none)
        }
        #expect(get("/alphabet.txt", [.ifNoneMatch: "\"other\""]).status == .ok)
        #expect(get("/alphabet.txt", [.ifNoneMatch: alphabetTag], method: .head).status == .notModified)
    }

    @Test func ifNoneMatchOverridesIfModifiedSince() {
        #expect(get("/alphabet.txt", [.ifNoneMatch: "\"other\"", .ifModifiedSince: lastModified]).status == .ok)
        #expect(get("/alphabet.txt", [.ifNoneMatch: alphabetTag, .ifModifiedSince: "Thu, 01 Jan 1970 00:00:00 GMT"]).status == .notModified)
    }

    @Test func ifModifiedSinceComparesSeconds() {
        #expect(get("/alphabet.txt", [.ifModifiedSince: lastModified]).status == .notModified)
        #expect(get("/alphabet.txt", [.ifModifiedSince: "Sunday, 06-Nov-94 08:49:38 GMT"]).status == .notModified)
        #expect(get("/alphabet.txt", [.ifModifiedSince: "Sun Nov  6 08:49:36 1994"]).status == .ok)
        #expect(get("/alphabet.txt", [.ifModifiedSince: "yesterday"]).status == .ok)
    }

    @Test func aFileChangedThisSecondHasAWeakTagAndNoFutureDate() {
        let response = get("/alphabet.txt", now: ServeHTTPFixture.modified)
        #expect(response.headerFields[.eTag] == "W/" + alphabetTag)
        #expect(get("/alphabet.txt", [.ifNoneMatch: alphabetTag], now: ServeHTTPFixture.modified).status == .notModified)
        let early = get("/alphabet.txt", now: ServeHTTPFixture.modified - 60)
        #expect(early.headerFields[.lastModified] == "Sun, 06 Nov 1994 08:48:37 GMT")
        _ = (response.bodyText(), early.bodyText())
    }

    // MARK: ranges

    @Test(arguments: [
        ("bytes=0-4", "abcde", "bytes 0-4/26"), ("bytes=20-", "uvwxyz", "bytes 20-25/26"), ("bytes=-3", "xyz", "bytes 23-25/26"),
        ("bytes=24-1000", "yz", "bytes 24-25/26"), ("bytes=-100", ServeHTTPFixture.alphabet, "bytes 0-25/26"),
        ("Bytes=1-1", "b", "bytes 1-1/26"), ("bytes=25-25", "z", "bytes 25-25/26"),
        ("bytes=3-99999999999999999999999", "defghijklmnopqrstuvwxyz", "bytes 3-25/26"),
    ])
    func aSingleRangeIsPartialContent(range: String, body: String, contentRange: String) {
        let response = get("/alphabet.txt", [.range: range])
        #expect(response.status == .partialContent, "\(range)")
        #expect(response.headerFields[.contentRange] == contentRange)
        #expect(response.headerFields[.contentLength] == String(body.utf8.count))
        #expect(response.headerFields[.eTag] == alphabetTag)
        #expect(response.bodyText() == body)
    }

    @Test(arguments: ["bytes=26-", "bytes=100-200", "bytes=-0", "bytes=99999999999999999999-"])
    func anUnsatisfiableRangeIs416(range: String) {
        let response = get("/alphabet.txt", [.range: range])
        #expect(response.status == .rangeNotSatisfiable)
        #expect(response.headerFields[.contentRange] == "bytes */26")
        #expect(!response.isFile)
    }

    @Test(arguments: ["bytes=0-1,3-4", "bytes=0-1, 5-", "bytes=abc", "bytes=5-3", "bytes=-", "bytes=", "items=0-1", "bytes 0-1", "bytes = 0-1", "bytes=1-2-3", "bytes=-1-2"])
    func otherRangesGetTheWholeFile(range: String) {
        let response = get("/alphabet.txt", [.range: range])
        #expect(response.status == .ok, "\(range)")
        #expect(response.headerFields[.contentRange] == nil)
        #expect(response.bodyText() == ServeHTTPFixture.alphabet)
    }

    @Test func headAndListingsIgnoreRanges() {
        #expect(get("/alphabet.txt", [.range: "bytes=0-1"], method: .head).status == .ok)
        #expect(get("/sub/", [.range: "bytes=0-1"]).status == .ok)
    }

    @Test func ifRangeKeepsARangeOnlyForTheSameVersion() {
        let range: HTTPFields = [.range: "bytes=0-1"]
        func status(_ ifRange: String, now: Int? = nil) -> HTTPResponse.Status {
            var fields = range
            fields[.ifRange] = ifRange
            let response = get("/alphabet.txt", fields, now: now)
            _ = response.bodyText()
            return response.status
        }
        #expect(status(alphabetTag) == .partialContent)
        #expect(status(lastModified) == .partialContent)
        #expect(status("\"other\"") == .ok)
        #expect(status("W/" + alphabetTag) == .ok)
        #expect(status("Sun, 06 Nov 1994 08:49:38 GMT") == .ok)
        #expect(status("W/" + alphabetTag, now: ServeHTTPFixture.modified) == .ok)
    }
}
