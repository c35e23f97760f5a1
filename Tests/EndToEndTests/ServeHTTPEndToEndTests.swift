import Foundation
import Glibc
import Testing

/// `greenlet serve-http`, run as a real process on a temporary directory and driven over
/// loopback sockets with hand-written request bytes; responses are read by `ResponseReader`,
/// which shares no code with the server's parser.
@Suite("greenlet serve-http, end to end", .serialized, .timeLimit(.minutes(3)))
struct ServeHTTPEndToEndTests {
    // MARK: - Files, headers, HEAD

    @Test("GET of a .txt, .html or unknown-extension file: 200, exact body, every header", arguments: ServedFile.samples)
    func getServesFileWithHeaders(file: ServedFile) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/" + file.name))
        #expect(response.version == "HTTP/1.1")
        #expect(response.status == 200, "\(response)")
        #expect(response.body == file.bytes)
        #expect(response.header("Content-Length") == String(file.bytes.count))
        #expect(response.header("Content-Type") == file.contentType)
        #expect(response.header("Last-Modified") == Site.lastModified)
        let eTag = try #require(response.header("ETag"))
        #expect(isEntityTag(eTag), "ETag \(eTag.debugDescription) is not a quoted entity tag")
        #expect(response.header("Accept-Ranges") == "bytes")
        #expect(dateProblem(response.header("Date")) == nil, "\(dateProblem(response.header("Date")) ?? "")")
        #expect(!(response.header("Server") ?? "").isEmpty, "no Server field")
        #expect(response.header("Transfer-Encoding") == nil)
        #expect(response.header("Connection")?.lowercased() != "close")
    }

    @Test("HEAD: GET's status and fields without a body; the next response on the connection parses cleanly")
    func headHasGetsFieldsAndNoBody() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        for file in ServedFile.samples {
            try reader.send(httpRequest("HEAD", "/" + file.name))
            let head = try reader.next(bodyless: true)
            try reader.send(httpRequest("GET", "/" + file.name))
            let get = try reader.next()
            #expect(head.status == 200, "HEAD /\(file.name): \(head)")
            #expect(get.status == 200, "GET /\(file.name) after HEAD: \(get)")
            #expect(get.body == file.bytes, "GET /\(file.name) after HEAD: a body left over from HEAD would show here")
            for name in ["Content-Length", "Content-Type", "Last-Modified", "ETag", "Accept-Ranges", "Server"] {
                #expect(head.header(name) != nil, "HEAD /\(file.name) has no \(name)")
                #expect(head.header(name) == get.header(name), "HEAD /\(file.name): \(name) differs from GET's")
            }
            #expect(dateProblem(head.header("Date")) == nil, "\(dateProblem(head.header("Date")) ?? "")")
        }
        // Nothing trails the last answer: HEAD sent no body bytes anywhere.
        #expect(!reader.client.isReadable(within: 0.3), "bytes after the last response")
    }

    @Test("Percent-encoded paths are decoded: spaces and escaped names")
    func percentEncodedPathsAreDecoded() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let spaced = try ResponseReader.exchange(port: port, httpRequest("GET", "/with%20space.txt")).response
        #expect(spaced.status == 200, "\(spaced)")
        #expect(spaced.bodyText == Site.spacedText)

        let escaped = try ResponseReader.exchange(port: port, httpRequest("GET", "/plain/%3Cb%3E%26%22x%22.txt")).response
        #expect(escaped.status == 200, "\(escaped)")
        #expect(escaped.bodyText == Site.escapedNameText)

        let missing = try ResponseReader.exchange(port: port, httpRequest("GET", "/no-such-file.txt")).response
        #expect(missing.status == 404, "\(missing)")
    }

    // MARK: - Keep-alive and pipelining

    @Test("HTTP/1.1 keeps the connection open: six requests, one connection")
    func http11KeepsAlive() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        for round in 0..<6 {
            let file = ServedFile.samples[round % ServedFile.samples.count]
            try reader.send(httpRequest("GET", "/" + file.name))
            let response = try reader.next()
            #expect(response.status == 200, "round \(round): \(response)")
            #expect(response.body == file.bytes, "round \(round)")
            #expect(response.header("Connection")?.lowercased() != "close", "round \(round)")
        }
        #expect(!reader.client.isReadable(within: 0.3), "the server closed (or sent more) after a keep-alive response")
    }

    @Test("Connection: close is answered (saying so), then the server closes")
    func connectionCloseIsHonoured() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, reader) = try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt", ["Connection: close"]))
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == Site.aText)
        #expect(response.header("Connection")?.lowercased() == "close")
        #expect(reader.closesConnection(within: 3), "no EOF (or extra bytes) after answering Connection: close")
    }

    @Test("HTTP/1.0 without keep-alive: answered, then closed")
    func http10Closes() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, reader) = try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt", version: "HTTP/1.0"))
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == Site.aText)
        #expect(response.header("Connection")?.lowercased() != "keep-alive")
        #expect(reader.closesConnection(within: 3), "an HTTP/1.0 connection without keep-alive should close after the response")
    }

    @Test("HTTP/1.0 with Connection: keep-alive stays open and says so")
    func http10KeepAliveStaysOpen() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        for (round, file) in ServedFile.samples.enumerated() {
            try reader.send(httpRequest("GET", "/" + file.name, version: "HTTP/1.0", ["Connection: keep-alive"]))
            let response = try reader.next()
            #expect(response.status == 200, "round \(round): \(response)")
            #expect(response.body == file.bytes, "round \(round)")
            #expect(response.header("Connection")?.lowercased() == "keep-alive", "round \(round): \(response.header("Connection") ?? "no Connection field")")
        }
        // Then a plain HTTP/1.0 request on the same connection: answered, then closed.
        try reader.send(httpRequest("GET", "/a.txt", version: "HTTP/1.0"))
        #expect(try reader.next().bodyText == Site.aText)
        #expect(reader.closesConnection(within: 3))
    }

    @Test("Pipelining: six requests in one send (a 404 and a HEAD among them) are answered in order")
    func pipelinedRequestsAnsweredInOrder() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(
            httpRequest("GET", "/p1.txt") + httpRequest("GET", "/p2.txt") + httpRequest("GET", "/missing.txt")
                + httpRequest("HEAD", "/p3.txt") + httpRequest("GET", "/p4.txt") + httpRequest("GET", "/p5.txt"))
        for index in [1, 2] {
            let response = try reader.next()
            #expect(response.status == 200, "p\(index): \(response)")
            #expect(response.bodyText == Site.pipelined(index), "response \(index) out of order or wrong")
        }
        let missing = try reader.next()
        #expect(missing.status == 404, "\(missing)")
        let head = try reader.next(bodyless: true)
        #expect(head.status == 200, "\(head)")
        #expect(head.header("Content-Length") == String(Site.pipelined(3).utf8.count))
        for index in [4, 5] {
            let response = try reader.next()
            #expect(response.status == 200, "p\(index): \(response)")
            #expect(response.bodyText == Site.pipelined(index), "response \(index) out of order or wrong")
        }
        #expect(!reader.client.isReadable(within: 0.3), "bytes (or EOF) after the sixth response")
    }

    // MARK: - Conditional requests

    @Test("If-None-Match with the ETag: 304 without a body, the connection stays open; another tag: 200")
    func ifNoneMatch() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", "/a.txt"))
        let first = try reader.next()
        let eTag = try #require(first.header("ETag"))

        try reader.send(httpRequest("GET", "/a.txt", ["If-None-Match: \(eTag)"]))
        let notModified = try reader.next()
        #expect(notModified.status == 304, "\(notModified)")
        #expect(notModified.header("ETag") == eTag)
        #expect(notModified.header("Date") != nil)

        // A 304 has no body: the next answer on this connection starts right after its head.
        try reader.send(httpRequest("GET", "/a.txt", ["If-None-Match: \"not-the-tag\""]))
        let changed = try reader.next()
        #expect(changed.status == 200, "\(changed)")
        #expect(changed.bodyText == Site.aText)

        try reader.send(httpRequest("GET", "/a.txt", ["If-None-Match: \"other\", \(eTag)"]))
        #expect(try reader.next().status == 304, "a list holding the tag")
        #expect(!reader.client.isReadable(within: 0.3), "bytes (or EOF) after a 304")
    }

    @Test("If-Modified-Since: the Last-Modified date → 304; an older date → 200")
    func ifModifiedSince() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", "/b.html", ["If-Modified-Since: \(Site.lastModified)"]))
        let same = try reader.next()
        #expect(same.status == 304, "\(same)")
        #expect(same.header("Last-Modified") == Site.lastModified)

        try reader.send(httpRequest("GET", "/b.html", ["If-Modified-Since: Fri, 05 Mar 2021 00:00:00 GMT"]))
        #expect(try reader.next().status == 304, "a later date")

        try reader.send(httpRequest("GET", "/b.html", ["If-Modified-Since: Mon, 01 Jan 2018 00:00:00 GMT"]))
        let older = try reader.next()
        #expect(older.status == 200, "\(older)")
        #expect(older.bodyText == Site.bHTML)
    }

    // MARK: - Ranges

    @Test("Range bytes=0-9, bytes=-5, bytes=10-: 206, Content-Range and exactly those bytes",
          arguments: [("bytes=0-9", "bytes 0-9/36", "0123456789"),
                      ("bytes=-5", "bytes 31-35/36", "vwxyz"),
                      ("bytes=10-", "bytes 10-35/36", "abcdefghijklmnopqrstuvwxyz"),
                      ("bytes=35-35", "bytes 35-35/36", "z")])
    func singleRange(range: String, contentRange: String, body: String) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, reader) = try ResponseReader.exchange(port: port, httpRequest("GET", "/digits.txt", ["Range: \(range)"]))
        #expect(response.status == 206, "\(response)")
        #expect(response.header("Content-Range") == contentRange)
        #expect(response.header("Content-Length") == String(body.utf8.count))
        #expect(response.bodyText == body)
        // The connection goes on with the whole file.
        try reader.send(httpRequest("GET", "/digits.txt"))
        #expect(try reader.next().bodyText == Site.digits)
    }

    @Test("An unsatisfiable range → 416 with Content-Range: bytes */36", arguments: ["bytes=36-", "bytes=100-200"])
    func unsatisfiableRange(range: String) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/digits.txt", ["Range: \(range)"]))
        #expect(response.status == 416, "\(response)")
        #expect(response.header("Content-Range") == "bytes */36")
        #expect(!response.bodyText.contains(Site.digits))
    }

    @Test("Two ranges → 200 with the whole file")
    func severalRangesGetWholeFile() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/digits.txt", ["Range: bytes=0-1,5-6"]))
        #expect(response.status == 200, "\(response)")
        #expect(response.header("Content-Range") == nil)
        #expect(response.header("Content-Length") == "36")
        #expect(response.bodyText == Site.digits)
    }

    // MARK: - Directories

    @Test("A directory with index.html serves it")
    func directoryServesIndex() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/withindex/"))
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == Site.indexHTML)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("Content-Length") == String(Site.indexHTML.utf8.count))
    }

    @Test("A directory without index.html: an HTML listing, names escaped, links that work")
    func directoryListing() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/plain/"))
        #expect(response.status == 200, "\(response)")
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        let html = response.bodyText
        #expect(html.contains("z.txt"), "\(html)")
        #expect(html.contains("nested"), "\(html)")
        #expect(html.contains("&lt;b&gt;&amp;"), "the name `<b>&\"x\".txt` should appear HTML-escaped: \(html)")
        #expect(!html.contains("<b>"), "a raw `<b>` from a file name reached the page: \(html)")
        #expect(!html.contains(Site.escapedName), "the raw name reached the page: \(html)")

        // Every link, followed as a browser would, reaches its entry.
        var reached: [String: Int] = [:]
        var bodies: [String] = []
        for href in hrefs(in: html) where href != "../" && href != "/" {
            let target = href.hasPrefix("/") ? href : "/plain/" + href
            let entry = try ResponseReader.exchange(port: port, httpRequest("GET", target)).response
            reached[href] = entry.status
            bodies.append(entry.bodyText)
        }
        #expect(reached.values.allSatisfy { $0 == 200 }, "\(reached)")
        #expect(bodies.contains(Site.escapedNameText), "no link reaches `<b>&\"x\".txt`: \(reached)")
        #expect(bodies.contains(Site.zText), "no link reaches z.txt: \(reached)")
        #expect(bodies.contains { $0.contains("inner.txt") }, "no link reaches nested/: \(reached)")

        // The root has no index.html either.
        let root = try ResponseReader.exchange(port: port, httpRequest("GET", "/")).response
        #expect(root.status == 200, "\(root)")
        #expect(root.bodyText.contains("a.txt"))
        #expect(!root.bodyText.contains(Site.aText), "the listing shows names, not contents")
    }

    @Test("/dir without its slash → 301 to /dir/, the query string kept",
          arguments: [("/plain", "/plain/"), ("/plain?q=1", "/plain/?q=1"), ("/withindex", "/withindex/"),
                      ("/plain/nested?a=b&c=d", "/plain/nested/?a=b&c=d")])
    func directoryRedirect(target: String, location: String) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, reader) = try ResponseReader.exchange(port: port, httpRequest("GET", target))
        #expect(response.status == 301, "\(response)")
        #expect(response.header("Location") == location)
        // The redirect's own body is framed: the connection goes on.
        try reader.send(httpRequest("GET", location))
        #expect(try reader.next().status == 200)
    }

    // MARK: - Never a byte from outside the root

    @Test("A path that would leave the root gets 403 or 404, never a byte from outside",
          arguments: ["/../secret", "/%2e%2e/secret", "/%2E%2E/secret", "/sub/%2e%2e/%2e%2e/secret",
                      "/sub/../../secret", "/./../secret", "/%2e%2e%2fsecret", "/..%2fsecret", "/sub%2f..%2f..%2fsecret",
                      "/leak", "/relleak", "/sub/deepleak", "/leakdir/secret.txt", "/leakdir/", "/leakdir",
                      "/a%00b", "/a.txt%00.html", "http://127.0.0.1/../secret"])
    func pathsOutsideTheRoot(target: String) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", target, ["Connection: close"]))
        let response = try reader.next()
        let trailing = try reader.remainingBytesUntilEOF(within: 3)
        #expect([403, 404].contains(response.status), "GET \(target): \(response)")
        for bytes in [response.head, response.body, trailing] {
            #expect(bytes.firstRange(of: site.secret) == nil, "GET \(target) sent the secret from outside the root")
        }
        if target.hasPrefix("/leakdir") && !target.hasSuffix("secret.txt") {
            #expect((response.head + response.body).firstRange(of: Array("secret.txt".utf8)) == nil,
                    "GET \(target) listed the directory outside the root")
        }
    }

    @Test("Symlinks that stay inside the root are followed")
    func symlinksInsideTheRoot() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        for target in ["/alias.txt", "/absolute-alias.txt", "/sub/up-alias.txt"] {
            let response = try ResponseReader.exchange(port: port, httpRequest("GET", target)).response
            #expect(response.status == 200, "GET \(target): \(response)")
            #expect(response.bodyText == Site.aText, "GET \(target)")
        }
    }

    // MARK: - Bad requests

    @Test("A malformed request line → 400, then close",
          arguments: ["GET /a.txt\r\n\r\n", "GET /a.txt HTTP/x.y\r\nHost: 127.0.0.1\r\n\r\n",
                      "G(T /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "GET /a b.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                      "this is not http at all\r\n\r\n"])
    func malformedRequestLine(request: String) throws {
        try expectRefusal(request, status: 400)
    }

    @Test("A malformed header (or HTTP/1.1 without Host) → 400, then close",
          arguments: ["GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: y\r\n\r\n",
                      "GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n",
                      "GET /a.txt HTTP/1.1\r\nAccept: */*\r\n\r\n"])
    func malformedHeader(request: String) throws {
        try expectRefusal(request, status: 400)
    }

    @Test("A request line over 8 KiB → 414, then close; one just under is served")
    func requestLineTooLong() throws {
        try expectRefusal(httpRequest("GET", "/" + String(repeating: "a", count: 8 * 1024 + 100)), status: 414)

        // A request line of 8 000 bytes (a long query) is within the limit.
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }
        let long = "/a.txt?" + String(repeating: "q", count: 8000 - "GET /a.txt? HTTP/1.1".count)
        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", long))
        #expect(response.status == 200, "a request line of 8 000 bytes: \(response)")
        #expect(response.bodyText == Site.aText)
    }

    @Test("A header block over 16 KiB → 431, then close; one of 15 KiB is served")
    func headerBlockTooLarge() throws {
        // 20 fields of 915 bytes each with their CRLF: 18 300 bytes.
        let big = (0..<20).map { "X-Filler-\(String(format: "%02d", $0)): " + String(repeating: "f", count: 900) }
        try expectRefusal(httpRequest("GET", "/a.txt", big), status: 431)

        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }
        let fitting = Array(big.prefix(17))  // 15 555 bytes, 15 574 with Host and the empty line
        let (response, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt", fitting))
        #expect(response.status == 200, "a 15 KiB header block: \(response)")
        #expect(response.bodyText == Site.aText)
    }

    @Test("POST, PUT, DELETE → 405 with Allow: GET, HEAD",
          arguments: ["POST /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello",
                      "PUT /new.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc",
                      "DELETE /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"])
    func otherMethods(request: String) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, _) = try ResponseReader.exchange(port: port, request)
        #expect(response.status == 405, "\(response)")
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(!FileManager.default.fileExists(atPath: site.tree.path("root/new.txt")))
        #expect(try String(contentsOfFile: site.tree.path("root/a.txt"), encoding: .utf8) == Site.aText)
    }

    @Test("Expect: 100-continue on a request refused anyway: the final answer at once, before any body (405, 413), then close; a body sent anyway is dropped, and the server goes on",
          arguments: [("POST /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", 405),
                      ("POST /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", 405),
                      ("PUT /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(1024 * 1024 + 1)\r\nExpect: 100-continue\r\n\r\n", 413)])
    func expectContinue(request: String, status: Int) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        // No body sent yet: the answer must not wait for it.
        let (response, reader) = try ResponseReader.exchange(port: port, request, within: 2)
        #expect(response.status == status, "\(response)")
        #expect(response.header("Connection")?.lowercased() == "close", "\(response)")
        if status == 405 { #expect(response.header("Allow") == "GET, HEAD") }
        // The client sends its body anyway, as curl does after waiting a second: the server
        // drops it, and its end of stream has come already.
        try? reader.client.sendAll(Array("hello".utf8))
        #expect(reader.closesConnection(within: 3), "no EOF after the early answer")
        #expect(!FileManager.default.fileExists(atPath: site.tree.path("root/file")))
        let (next, _) = try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt"))
        #expect(next.status == 200 && next.bodyText == Site.aText, "\(next)")
    }

    @Test("Expect: 100-continue on a GET with a body: 100 Continue, then the body is read and dropped, the file served, the connection kept")
    func expectContinueThenServe() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }
        let (interim, reader) = try ResponseReader.exchange(
            port: port, "GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue, 100-Continue\r\n\r\n", within: 2)
        #expect(interim.status == 100, "\(interim)")
        try reader.send("hello")
        let response = try reader.next()
        #expect(response.status == 200 && response.bodyText == Site.aText && response.header("Connection") == nil, "\(response)")
        try reader.send(httpRequest("GET", "/a.txt"))
        #expect(try reader.next().status == 200)
    }

    @Test("An Expect other than 100-continue → 417; HTTP/1.0 ignores Expect; no body means no early answer, keep-alive as usual")
    func otherExpectations() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }
        let (refused, reader) = try ResponseReader.exchange(port: port, "GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\n\r\n")
        #expect(refused.status == 417 && reader.closesConnection(within: 3), "\(refused)")
        let (old, _) = try ResponseReader.exchange(port: port, "GET /a.txt HTTP/1.0\r\nExpect: 100-continue\r\n\r\n")
        #expect(old.status == 200 && old.bodyText == Site.aText, "\(old)")
        let (empty, kept) = try ResponseReader.exchange(port: port, "GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n")
        #expect(empty.status == 200 && empty.header("Connection") == nil, "\(empty)")
        try kept.send(httpRequest("GET", "/a.txt"))
        #expect(try kept.next().status == 200)
    }

    @Test("Content-Length of 1 MiB + 1 → 413, then close")
    func bodyTooLarge() throws {
        try expectRefusal("GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(1024 * 1024 + 1)\r\n\r\n", status: 413)
    }

    @Test("A body on GET (1 KiB, and exactly 1 MiB) is read and dropped; the next request on the connection works",
          arguments: [1024, 1024 * 1024])
    func bodyIsDiscarded(size: Int) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        // A body that looks like a request: were it not dropped, it would be answered.
        let fake = Array(httpRequest("GET", "/b.html").utf8)
        var body = [UInt8](repeating: UInt8(ascii: "x"), count: size - fake.count)
        body += fake
        try reader.client.sendAll(Array(httpRequest("GET", "/a.txt", ["Content-Length: \(size)"]).utf8) + body)
        let first = try reader.next(within: 10)
        #expect(first.status == 200, "\(first)")
        #expect(first.bodyText == Site.aText)

        try reader.send(httpRequest("GET", "/digits.txt"))
        let second = try reader.next()
        #expect(second.status == 200, "\(second)")
        #expect(second.bodyText == Site.digits, "the next request got \(second.bodyText.prefix(60).debugDescription)")
    }

    /// Sends `request` on a new connection to a fresh server; expects a `status` answer,
    /// then the server closing the connection.
    private func expectRefusal(_ request: String, status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let (response, reader) = try ResponseReader.exchange(port: port, request)
        #expect(response.status == status, "\(request.prefix(80).debugDescription): \(response)", sourceLocation: sourceLocation)
        #expect(response.header("Connection")?.lowercased() == "close", "\(response)", sourceLocation: sourceLocation)
        #expect(reader.closesConnection(within: 3), "no EOF after a \(status)", sourceLocation: sourceLocation)
        #expect(!response.bodyText.contains(Site.aText), sourceLocation: sourceLocation)
        #expect(server.isRunning, sourceLocation: sourceLocation)
    }

    // MARK: - Timeouts

    @Test("--request-timeout 1: half a request head gets 408 then close within 3 s, while another client is served")
    func slowlorisGets408() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--request-timeout", "1"])
        defer { server.kill() }

        let slow = ResponseReader(try TestClient(port: port))
        try slow.send("GET /a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo")
        let began = Date()

        // Meanwhile another connection asks for a file every 100 ms, until the slow one hears back.
        let other = ResponseReader(try TestClient(port: port))
        var served = 0
        var failures: [String] = []
        while Date().timeIntervalSince(began) < 4 {
            try other.send(httpRequest("GET", "/b.html"))
            let response = try other.next(within: 2)
            if response.status == 200 && response.bodyText == Site.bHTML {
                served += 1
            } else {
                failures.append("\(response)")
            }
            if slow.client.isReadable(within: 0.1) { break }
        }
        let answered = Date().timeIntervalSince(began)
        let response = try slow.next(within: 1)
        #expect(response.status == 408, "\(response)")
        #expect(slow.closesConnection(within: 3), "no EOF after the 408")
        let closed = Date().timeIntervalSince(began)
        #expect(answered >= 0.5, "408 after \(answered) s: before the 1 s timeout")
        #expect(closed <= 3, "the slow connection was closed after \(closed) s")
        #expect(served >= 5, "the other client was served \(served) times while the slow one waited")
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("--request-timeout 1: an idle keep-alive connection, and one that never sends, are closed silently within 3 s")
    func idleConnectionsCloseSilently() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--request-timeout", "1"])
        defer { server.kill() }

        let idle = ResponseReader(try TestClient(port: port))
        try idle.send(httpRequest("GET", "/a.txt"))
        #expect(try idle.next().bodyText == Site.aText)
        let idleSince = Date()
        let silent = try TestClient(port: port)
        let silentSince = Date()

        let rest = try idle.remainingBytesUntilEOF(within: 5)
        let idleFor = Date().timeIntervalSince(idleSince)
        #expect(rest.isEmpty, "an idle close sends nothing; got \(String(decoding: rest, as: UTF8.self).debugDescription)")
        #expect(idleFor >= 0.5, "closed after \(idleFor) s idle: before the 1 s timeout")
        #expect(idleFor <= 3, "closed after \(idleFor) s idle")

        let silentRest = try silent.receiveUntilEOF(within: 5)
        let silentFor = Date().timeIntervalSince(silentSince)
        #expect(silentRest.isEmpty, "a connection that sent nothing gets nothing; got \(String(decoding: silentRest, as: UTF8.self).debugDescription)")
        #expect(silentFor <= 3, "closed after \(silentFor) s")
        #expect(server.isRunning)
    }

    // MARK: - Start-up errors

    @Test("A missing --root: exit 2, one `greenlet: error:` line, nothing on stdout")
    func missingRoot() throws {
        let site = try Site()
        let result = try GreenletProcess.run(["serve-http", "--host", "127.0.0.1", "--port", "0", "--root", site.tree.path("no-such-dir")])
        expectStartFailure(result)
    }

    @Test("A --root that is a regular file: exit 2, one `greenlet: error:` line, nothing on stdout")
    func rootIsAFile() throws {
        let site = try Site()
        let result = try GreenletProcess.run(["serve-http", "--host", "127.0.0.1", "--port", "0", "--root", site.tree.path("root/a.txt")])
        expectStartFailure(result)
    }

    private func expectStartFailure(_ result: ExitResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.termination == .exit(2), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout == "", "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("greenlet: error: "), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasSuffix("\n"), "\(result)", sourceLocation: sourceLocation)
    }

    @Test("Bad option values are usage errors (exit 64)",
          arguments: [["--port", "70000"], ["--request-timeout", "0"], ["--request-timeout", "soon"], ["--threads", "0"],
                      ["--grace", "-1"], ["--no-such-option"]])
    func usageErrors(arguments: [String]) throws {
        let result = try GreenletProcess.run(["serve-http", "--host", "127.0.0.1"] + arguments)
        #expect(result.termination == .exit(64), "\(result)")
        #expect(result.stdout == "", "\(result)")
        #expect(result.stderr.contains(arguments[0]), "the message should name \(arguments[0]): \(result)")
    }

    @Test("Without --root the current directory is served")
    func defaultRootIsCurrentDirectory() throws {
        let site = try Site()
        let server = try GreenletProcess(["serve-http", "--host", "127.0.0.1", "--port", "0"], shellSetup: "cd '\(site.root)'")
        defer { server.kill() }
        let (_, port) = try server.waitForListening(within: 10)

        let response = try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt")).response
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == Site.aText)
    }

    // MARK: - Load and memory

    @Test("200 concurrent keep-alive clients, 3 requests each on their own connection, all answered correctly")
    func manyConcurrentKeepAliveClients() throws {
        try raiseOpenFileLimit(atLeast: 1024)
        let site = try Site()
        let files = (0..<20).map { index in
            "file \(index): " + String(repeating: String(UnicodeScalar(UInt8(65 + index))), count: 150 * index + 10) + "\n"
        }
        for (index, text) in files.enumerated() {
            try site.tree.write("root/many/f\(index).txt", text, modified: Site.modified)
        }
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--quiet"])
        defer { server.kill() }

        // All 200 connections are open before the first request and stay open throughout.
        let readers = try (0..<200).map { _ in ResponseReader(try TestClient(port: port)) }
        let deadline = Date(timeIntervalSinceNow: 60)
        var failures: [String] = []
        rounds: for round in 0..<3 {
            // Every client sends its request, then every answer is read: 200 requests in flight at once.
            for (client, reader) in readers.enumerated() {
                try reader.send(httpRequest("GET", "/many/f\((client + round) % 20).txt"))
            }
            for (client, reader) in readers.enumerated() {
                guard Date() < deadline else {
                    failures.append("out of time in round \(round) at client \(client)")
                    break rounds
                }
                do {
                    let response = try reader.next(within: 10)
                    if response.status != 200 || response.bodyText != files[(client + round) % 20] {
                        failures.append("client \(client), round \(round): \(response)")
                    }
                } catch {
                    failures.append("client \(client), round \(round): \(error)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(10).joined(separator: "; "))")
        #expect(server.isRunning)
    }

    @Test("A 20 MiB file arrives intact, read in chunks, while the server's RSS grows by less than 8 MiB")
    func largeFileIsStreamed() throws {
        let site = try Site()
        let size = 20 * 1024 * 1024
        let content = patternedBytes(size)
        try site.tree.write("root/big.bin", content, modified: Site.modified)
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--quiet"])
        defer { server.kill() }

        // Warm up the paths a file answer takes (a small file's body, the big one's head).
        #expect(try ResponseReader.exchange(port: port, httpRequest("GET", "/a.txt")).response.status == 200)
        #expect(try ResponseReader.exchange(port: port, httpRequest("HEAD", "/big.bin"), bodyless: true).response.status == 200)
        let before = try server.residentBytes()

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", "/big.bin"))
        let head = try reader.nextHead()
        #expect(head.status == 200, "\(head)")
        #expect(head.header("Content-Length") == String(size))
        #expect(head.header("Content-Type") == "application/octet-stream")

        var received = 0
        var peak = before
        var nextSample = 0
        var mismatch: Int?
        let deadline = Date(timeIntervalSinceNow: 60)
        while received < size && mismatch == nil && Date() < deadline {
            let chunk = try reader.receiveBody(max: min(256 * 1024, size - received), within: 10)
            if !sameBytes(chunk, content[received..<received + chunk.count]) { mismatch = received }
            received += chunk.count
            if received >= nextSample {
                peak = max(peak, try server.residentBytes())
                nextSample += 1024 * 1024
            }
        }
        peak = max(peak, try server.residentBytes())
        #expect(received == size, "received \(received) of \(size) bytes")
        #expect(mismatch == nil, "the body differs from the file in the 256 KiB chunk at offset \(mismatch ?? 0)")
        let growth = peak - before
        #expect(growth < 8 * 1024 * 1024, "server RSS grew by \(growth / 1024) KiB (from \(before / 1024) KiB) while sending 20 MiB")

        // The connection carries on after the big body.
        try reader.send(httpRequest("GET", "/a.txt"))
        #expect(try reader.next().bodyText == Site.aText)
    }

    // MARK: - Access log

    @Test("Access log: one Common Log Format line per request on stderr")
    func accessLog() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root)
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", "/a.txt"))
        #expect(try reader.next().status == 200)
        try reader.send(httpRequest("GET", "/missing.txt"))
        let missing = try reader.next()
        #expect(missing.status == 404)
        try reader.send(httpRequest("HEAD", "/b.html"))
        #expect(try reader.next(bodyless: true).status == 200)
        try reader.send(httpRequest("GET", "/digits.txt", ["Range: bytes=0-9"]))
        #expect(try reader.next().status == 206)

        #expect(server.waitForStderr(containing: "\"GET /digits.txt HTTP/1.1\"", within: 5) != nil, "no log line for the fourth request")
        server.send(signal: SIGTERM)
        let result = try server.waitForExit(within: 5)
        #expect(result.termination == .exit(0), "\(result)")

        let lines = result.stderrLines.map(String.init).filter { $0.hasPrefix("127.0.0.1 ") }
        try #require(lines.count == 4, "expected 4 access-log lines, stderr: \(result.stderr.debugDescription)")
        let expected = [("GET /a.txt HTTP/1.1", "200", [String(Site.aText.utf8.count)]),
                        ("GET /missing.txt HTTP/1.1", "404", [String(missing.body.count)]),
                        ("HEAD /b.html HTTP/1.1", "200", ["-", "0"]),
                        ("GET /digits.txt HTTP/1.1", "206", ["10"])]
        for (line, (request, status, sizes)) in zip(lines, expected) {
            #expect(commonLogProblem(line, request: request, status: status, sizes: sizes) == nil,
                    "\(commonLogProblem(line, request: request, status: status, sizes: sizes) ?? "")")
        }
    }

    @Test("--quiet: no access-log lines")
    func quietHasNoAccessLog() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--quiet"])
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        for target in ["/a.txt", "/missing.txt", "/plain/"] {
            try reader.send(httpRequest("GET", target))
            _ = try reader.next()
        }
        server.send(signal: SIGTERM)
        let result = try server.waitForExit(within: 5)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(!result.stderr.contains("HTTP/1.1\""), "access-log lines despite --quiet: \(result.stderr.debugDescription)")
    }

    // MARK: - Threads and signals

    @Test("--threads 2: one `listening on` line, 40 clients served, SIGTERM exits 0")
    func twoThreads() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--threads", "2", "--quiet"])
        defer { server.kill() }

        var failures: [String] = []
        let readers = try (0..<40).map { _ in ResponseReader(try TestClient(port: port)) }
        for round in 0..<2 {
            for (client, reader) in readers.enumerated() {
                let file = ServedFile.samples[(client + round) % ServedFile.samples.count]
                try reader.send(httpRequest("GET", "/" + file.name))
                let response = try reader.next()
                if response.status != 200 || response.body != file.bytes { failures.append("client \(client), round \(round): \(response)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")

        server.send(signal: SIGTERM)
        let result = try server.waitForExit(within: 5)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(result.stdout == "listening on 127.0.0.1:\(port)\n", "\(result)")
    }

    @Test("SIGTERM with an idle keep-alive connection open: the connection closes and the server exits 0 at once (--grace 10)")
    func sigtermWithIdleKeepAlive() throws {
        let site = try Site()
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--grace", "10"])
        defer { server.kill() }

        let idle = ResponseReader(try TestClient(port: port))
        try idle.send(httpRequest("GET", "/a.txt"))
        #expect(try idle.next().bodyText == Site.aText)

        let signalled = Date()
        server.send(signal: SIGTERM)
        #expect(try idle.remainingBytesUntilEOF(within: 3) == [], "the idle connection should see EOF and no bytes")
        let result = try server.waitForExit(within: 3)
        let took = Date().timeIntervalSince(signalled)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(took < 2, "exit took \(took) s with only an idle connection open")
    }

    @Test("SIGTERM during a download: no new connections, the download completes within --grace, then exit 0")
    func sigtermLetsADownloadFinish() throws {
        let site = try Site()
        let size = 20 * 1024 * 1024
        let content = patternedBytes(size)
        try site.tree.write("root/big.bin", content, modified: Site.modified)
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--grace", "10", "--quiet"])
        defer { server.kill() }

        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(httpRequest("GET", "/big.bin"))
        #expect(try reader.nextHead().status == 200)
        var body = try reader.receiveBody(max: 1024 * 1024)
        // The server is now stuck writing: the client reads nothing more for a while.
        server.send(signal: SIGTERM)
        usleep(500_000)
        #expect(server.isRunning, "the server quit with a download in flight")
        // The listener is closed: a new connection is refused outright, not left queued.
        #expect("a new connection was accepted after SIGTERM") {
            let late = ResponseReader(try TestClient(port: port))
            try late.send(httpRequest("GET", "/a.txt"))
            _ = try late.next(within: 1)
        } throws: { ($0 as? SocketError)?.code == ECONNREFUSED }

        let deadline = Date(timeIntervalSinceNow: 20)
        while body.count < size && Date() < deadline {
            body += try reader.receiveBody(max: min(1024 * 1024, size - body.count))
        }
        #expect(body.count == size)
        #expect(sameBytes(body, content), "the download differs from the file")
        #expect(try reader.remainingBytesUntilEOF(within: 3) == [], "after the download, the connection should close")
        let result = try server.waitForExit(within: 3)
        #expect(result.termination == .exit(0), "\(result)")
    }

    @Test("SIGTERM with a client that stopped reading: exit 0 once --grace 1 is over")
    func sigtermGraceIsBounded() throws {
        let site = try Site()
        try site.tree.write("root/big.bin", patternedBytes(20 * 1024 * 1024), modified: Site.modified)
        let (server, port) = try GreenletProcess.serveHTTP(root: site.root, ["--grace", "1", "--quiet"])
        defer { server.kill() }

        let stuck = ResponseReader(try TestClient(port: port))
        try stuck.send(httpRequest("GET", "/big.bin"))
        #expect(try stuck.nextHead().status == 200)

        let signalled = Date()
        server.send(signal: SIGTERM)
        let result = try server.waitForExit(within: 5)
        let took = Date().timeIntervalSince(signalled)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(took >= 0.5, "exited after \(took) s: the busy connection got no grace")
        #expect(took <= 3, "exited after \(took) s with --grace 1")
    }
}

// MARK: - The served tree

/// A temporary tree: `root/` is served; beside it lie a secret file and directory the server
/// must never reveal, with symlinks from inside the root pointing at them.
struct Site {
    /// Every file's modification time: Thu, 04 Mar 2021 05:06:07 GMT.
    static let modified = Date(timeIntervalSince1970: 1_614_834_367)
    static let lastModified = "Thu, 04 Mar 2021 05:06:07 GMT"

    static let aText = "Hello from a.txt\n"
    static let bHTML = "<!DOCTYPE html>\n<title>b</title>\n<p>b.html</p>\n"
    static let blob: [UInt8] = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF] + Array("blob".utf8)
    static let digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    static let indexHTML = "<!DOCTYPE html>\n<p>the index of withindex</p>\n"
    static let escapedName = "<b>&\"x\".txt"
    static let escapedNameText = "escaped name\n"
    static let zText = "zzz\n"
    static let spacedText = "a name with a space\n"

    static func pipelined(_ index: Int) -> String {
        "pipelined response \(index) " + String(repeating: "#", count: 7 * index) + "\n"
    }

    let tree: TemporaryTree
    /// The secret's bytes, unique to this tree.
    let secret: [UInt8]

    var root: String { tree.path("root") }

    init() throws {
        tree = try TemporaryTree()
        secret = Array("TOP-SECRET-\(UUID().uuidString)-outside-the-root".utf8)
        let modified = Self.modified
        try tree.write("secret", secret, modified: modified)
        try tree.write("outside/secret.txt", secret, modified: modified)

        try tree.write("root/a.txt", Self.aText, modified: modified)
        try tree.write("root/b.html", Self.bHTML, modified: modified)
        try tree.write("root/blob.qqq", Self.blob, modified: modified)
        try tree.write("root/digits.txt", Self.digits, modified: modified)
        try tree.write("root/with space.txt", Self.spacedText, modified: modified)
        for index in 1...5 { try tree.write("root/p\(index).txt", Self.pipelined(index), modified: modified) }
        try tree.write("root/withindex/index.html", Self.indexHTML, modified: modified)
        try tree.write("root/withindex/other.txt", "other\n", modified: modified)
        try tree.write("root/plain/\(Self.escapedName)", Self.escapedNameText, modified: modified)
        try tree.write("root/plain/z.txt", Self.zText, modified: modified)
        try tree.write("root/plain/nested/inner.txt", "inner\n", modified: modified)
        try tree.write("root/sub/inside.txt", "inside\n", modified: modified)

        // Ways out through symlinks.
        try tree.symlink("root/leak", to: tree.path("secret"))
        try tree.symlink("root/relleak", to: "../secret")
        try tree.symlink("root/sub/deepleak", to: "../../secret")
        try tree.symlink("root/leakdir", to: tree.path("outside"))
        // Symlinks that stay inside.
        try tree.symlink("root/alias.txt", to: "a.txt")
        try tree.symlink("root/absolute-alias.txt", to: tree.path("root/a.txt"))
        try tree.symlink("root/sub/up-alias.txt", to: "../a.txt")
    }
}

/// A file the site serves, with what a GET of it must return.
struct ServedFile: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var contentType: String

    var testDescription: String { name }

    static let samples = [
        ServedFile(name: "a.txt", bytes: Array(Site.aText.utf8), contentType: "text/plain; charset=utf-8"),
        ServedFile(name: "b.html", bytes: Array(Site.bHTML.utf8), contentType: "text/html; charset=utf-8"),
        ServedFile(name: "blob.qqq", bytes: Site.blob, contentType: "application/octet-stream"),
    ]
}

// MARK: - Checks

/// `count` bytes of 64 KiB random blocks, each starting with its own index, so that a
/// block out of place or a shifted offset shows.
private func patternedBytes(_ count: Int) -> [UInt8] {
    let block = randomBytes(64 * 1024)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + block.count)
    var index: UInt64 = 0
    while bytes.count < count {
        var next = block
        withUnsafeBytes(of: index.littleEndian) { next.replaceSubrange(0..<8, with: $0) }
        bytes += next
        index += 1
    }
    return Array(bytes.prefix(count))
}

/// Whether `a` and `b` hold the same bytes (memcmp: fast also in debug builds).
private func sameBytes(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
    a.withUnsafeBytes { a in
        b.withUnsafeBytes { b in a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) }
    }
}

/// Whether `text` is an entity tag: `"…"` or `W/"…"` (RFC 9110 §8.8.3).
private func isEntityTag(_ text: String) -> Bool {
    let opaque = text.hasPrefix("W/") ? text.dropFirst(2) : text[...]
    guard opaque.count >= 2, opaque.first == "\"", opaque.last == "\"" else { return false }
    return opaque.dropFirst().dropLast().utf8.allSatisfy { $0 == 0x21 || (0x23...0x7E).contains($0) }
}

/// nil when `value` is an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) within 10 s of now;
/// otherwise what is wrong.
private func dateProblem(_ value: String?) -> String? {
    guard let value else { return "no Date field" }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    guard value.utf8.count == 29, let date = formatter.date(from: value), formatter.string(from: date) == value else {
        return "Date \(value.debugDescription) is not an IMF-fixdate"
    }
    let offset = date.timeIntervalSinceNow
    return abs(offset) <= 10 ? nil : "Date \(value) is \(offset) s away from now"
}

/// nil when `line` is `127.0.0.1 - - [dd/Mon/yyyy:hh:mm:ss +0000] "REQUEST" STATUS SIZE`
/// with a time within a minute of now and SIZE one of `sizes`; otherwise what is wrong.
private func commonLogProblem(_ line: String, request: String, status: String, sizes: [String]) -> String? {
    let prefix = "127.0.0.1 - - ["
    guard line.hasPrefix(prefix), let close = line.firstIndex(of: "]") else { return "not a Common Log Format line: \(line.debugDescription)" }
    let time = String(line[line.index(line.startIndex, offsetBy: prefix.count)..<close])
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
    guard time.utf8.count == 26, let date = formatter.date(from: time), formatter.string(from: date) == time else {
        return "bad time \(time.debugDescription) in \(line.debugDescription)"
    }
    if abs(date.timeIntervalSinceNow) > 60 { return "time \(time) is not now, in \(line.debugDescription)" }
    let rest = String(line[line.index(after: close)...])
    let allowed = sizes.map { " \"\(request)\" \(status) \($0)" }
    return allowed.contains(rest) ? nil : "expected one of \(allowed) after the time, got \(rest.debugDescription)"
}

/// The `href` values of a page, HTML entities decoded, in order.
private func hrefs(in html: String) -> [String] {
    var result: [String] = []
    var rest = html[...]
    while let start = rest.range(of: "href=\"") {
        rest = rest[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { break }
        var href = String(rest[..<end])
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&#34;", "\""), ("&amp;", "&")] {
            href = href.replacingOccurrences(of: entity, with: character)
        }
        result.append(href)
        rest = rest[end...].dropFirst()
    }
    return result
}
