import Foundation
import Glibc
import Testing
@testable import GreenletTools

@Suite("DirectoryListing")
struct DirectoryListingTests {
    @Test func namesAreEscapedEncodedAndSorted() throws {
        let directory = NSTemporaryDirectory() + "listing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/b dir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["z.txt", "javascript:alert(1)", "<img src=x onerror=alert(1)>", "A.txt", "a"] {
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data()))
        }
        // `n` and a byte that is not UTF-8.
        let invalidName = Array((directory + "/n").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
        close(invalidName.withUnsafeBufferPointer { creat($0.baseAddress!, 0o644) })

        let descriptor = open(directory, O_RDONLY | O_DIRECTORY)
        let page = String(decoding: try #require(DirectoryListing.page(directory: descriptor, path: Array("/x/<b>/".utf8))), as: UTF8.self)
        #expect(page.contains("<title>Index of /x/&lt;b&gt;/</title>"))
        let items = page.split(separator: "\n").filter { $0.hasPrefix("<li>") }
        #expect(items == [
            #"<li><a href="../">../</a></li>"#,
            #"<li><a href="%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E">&lt;img src=x onerror=alert(1)&gt;</a></li>"#,
            #"<li><a href="A.txt">A.txt</a></li>"#,
            #"<li><a href="a">a</a></li>"#,
            #"<li><a href="b%20dir/">b dir/</a></li>"#,
            #"<li><a href="javascript%3Aalert%281%29">javascript:alert(1)</a></li>"#,
            #"<li><a href="n%FF">n\#u{FFFD}</a></li>"#,
            #"<li><a href="z.txt">z.txt</a></li>"#,
        ])
    }
}
