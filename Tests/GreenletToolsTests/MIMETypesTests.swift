import Testing
@testable import GreenletTools

@Suite("MIMETypes")
struct MIMETypesTests {
    @Test(arguments: [
        ("index.html", "text/html; charset=utf-8"), ("a/b.HTM", "text/html; charset=utf-8"), ("notes.txt", "text/plain; charset=utf-8"),
        ("s.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"), ("d.json", "application/json"),
        ("p.png", "image/png"), ("p.JPG", "image/jpeg"), ("p.jpeg", "image/jpeg"), ("a.gif", "image/gif"), ("v.svg", "image/svg+xml"),
        ("favicon.ico", "image/x-icon"), ("m.wasm", "application/wasm"), ("d.pdf", "application/pdf"), ("f.xml", "application/xml"),
        ("v.mp4", "video/mp4"), ("f.woff2", "font/woff2"), ("a.tar.gz", "application/gzip"),
        ("README", "application/octet-stream"), ("x.", "application/octet-stream"), ("dir.d/file", "application/octet-stream"),
        ("a.verylongextension", "application/octet-stream"), ("a.ht\u{e9}", "application/octet-stream"), ("a.exe", "application/octet-stream"),
    ])
    func typeFromExtension(name: String, type: String) {
        #expect(MIMETypes.contentType(forName: name.utf8) == type)
    }
}
