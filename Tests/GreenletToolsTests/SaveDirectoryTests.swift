import Foundation
import Glibc
import GreenletHTTP
import GreenletLocks
import Testing
@testable import GreenletTools

@Suite("SaveDirectory")
final class SaveDirectoryTests {
    /// A fresh directory per test; `saved` is where bodies go, `outside` is never written.
    let base = NSTemporaryDirectory() + "save-directory-\(UUID().uuidString)"
    var saved: String { base + "/saved" }
    var outside: String { base + "/outside" }

    init() throws {
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    deinit {
        chmod(base, 0o755)
        try? FileManager.default.removeItem(atPath: base)
    }

    static let names: [(String, String)] = [
        ("http://h/", "h_index.html"),
        ("http://h", "h_index.html"),
        ("http://h/a/", "h_a_index.html"),
        ("http://h/a/b.txt?q=1", "h_a_b.txt"),
        ("http://h/a/b.txt?q=/../../x#f", "h_a_b.txt"),
        ("http://h/?q=1", "h_index.html"),
        ("https://Example.COM:8443/x.json", "example.com_x.json"),
        ("http://[::1]:8080/x", "__1_x"),
        ("http://[2001:db8::1]/", "2001_db8__1_index.html"),
        ("http://h/a%2Fb", "h_a_2Fb"),
        ("http://h/..%2F..%2Fetc%2Fpasswd", "h_.._2F.._2Fetc_2Fpasswd"),
        ("http://h/../../etc/passwd", "h_etc_passwd"),
        ("http://h/a\\..\\..\\b", "h_a_5C.._5C.._5Cb"),
        ("http://h/caf\u{e9} x~y", "h_caf_C3_A9_20x_y"),
        ("http://h/a;b=c,d+e:f@g!h", "h_a_b_c_d_e_f_g_h"),
        ("http://h/.hidden", "h_.hidden"),
        ("http://h/-n", "h_-n"),
    ]

    @Test(arguments: names)
    func fileNameComesFromHostAndPath(_ text: String, _ expected: String) throws {
        let name = SaveDirectory.fileName(for: try HTTPURL(parsing: text))
        #expect(name == expected)
        #expect(name.utf8.allSatisfy { $0.isUnreserved && $0 != UInt8(ascii: "~") })
    }

    @Test func longNamesKeepTheirEnd() throws {
        let name = SaveDirectory.fileName(for: try HTTPURL(parsing: "http://h/" + String(repeating: "a", count: 300) + ".tar.gz"))
        #expect(name.utf8.count == 200)
        #expect(name == String(repeating: "a", count: 193) + ".tar.gz")
    }

    @Test func namesAreNeverDotOrDotDot() throws {
        var url = try HTTPURL(parsing: "http://h/")
        url.host = "."
        url.target = ""
        #expect(SaveDirectory.fileName(for: url) == "_.")
        url.target = "."
        #expect(SaveDirectory.fileName(for: url) == "_..")
        url.host = ""
        url.target = "?q"
        #expect(SaveDirectory.fileName(for: url) == "_")
    }

    @Test func takenNamesGetASuffix() throws {
        let directory = try SaveDirectory(path: saved)
        var names: [String] = []
        for (index, text) in ["http://h/x", "http://h/x?page=2", "http://h/x#again"].enumerated() {
            let (descriptor, name) = try directory.create(for: try HTTPURL(parsing: text))
            write(descriptor, "body \(index)")
            names.append(name)
        }
        #expect(names == ["h_x", "h_x-1", "h_x-2"])
        #expect(read(saved + "/h_x") == "body 0")
        #expect(read(saved + "/h_x-1") == "body 1")
        #expect(read(saved + "/h_x-2") == "body 2")
    }

    @Test func existingFilesAreNeverOverwritten() throws {
        try FileManager.default.createDirectory(atPath: saved, withIntermediateDirectories: true)
        try "kept".write(toFile: saved + "/h_index.html", atomically: false, encoding: .utf8)
        try "kept too".write(toFile: saved + "/h_index.html-1", atomically: false, encoding: .utf8)
        let url = try HTTPURL(parsing: "http://h/")
        // Two instances, as two processes would be: neither knows what the other created.
        let first = try SaveDirectory(path: saved)
        let second = try SaveDirectory(path: saved)
        var names: [String] = []
        for directory in [first, second, first, second] {
            let (descriptor, name) = try directory.create(for: url)
            write(descriptor, "new")
            names.append(name)
        }
        #expect(names == ["h_index.html-2", "h_index.html-3", "h_index.html-4", "h_index.html-5"])
        #expect(read(saved + "/h_index.html") == "kept")
        #expect(read(saved + "/h_index.html-1") == "kept too")
    }

    @Test func symlinksAreNotFollowed() throws {
        try FileManager.default.createDirectory(atPath: saved, withIntermediateDirectories: true)
        try "secret".write(toFile: outside + "/secret", atomically: false, encoding: .utf8)
        #expect(symlink(outside + "/secret", saved + "/h_x") == 0)
        #expect(symlink("../outside/planted", saved + "/h_x-1") == 0)
        let (descriptor, name) = try SaveDirectory(path: saved).create(for: try HTTPURL(parsing: "http://h/x"))
        write(descriptor, "body")
        #expect(name == "h_x-2")
        #expect(read(saved + "/h_x-2") == "body")
        #expect(read(outside + "/secret") == "secret")
        #expect(!FileManager.default.fileExists(atPath: outside + "/planted"))
    }

    @Test func concurrentCreatesGetDistinctFiles() throws {
        let directory = try SaveDirectory(path: saved)
        let url = try HTTPURL(parsing: "http://h/page")
        let names = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            guard let created = try? directory.create(for: url) else { return }
            close(created.descriptor)
            names.withLock { $0.append(created.name) }
        }
        let created = names.withLock { $0 }
        #expect(created.count == 64)
        #expect(Set(created) == Set(["h_page"] + (1..<64).map { "h_page-\($0)" }))
    }

    @Test func removeDeletesACreatedFile() throws {
        let directory = try SaveDirectory(path: saved)
        let (descriptor, name) = try directory.create(for: try HTTPURL(parsing: "http://h/partial"))
        close(descriptor)
        #expect(FileManager.default.fileExists(atPath: saved + "/" + name))
        directory.remove(name)
        #expect(!FileManager.default.fileExists(atPath: saved + "/" + name))
        directory.remove(name)
    }

    @Test func anUnnamedFileAppearsOnlyWhenKeptUnderTheFirstFreeName() throws {
        let directory = try SaveDirectory(path: saved)
        let url = try HTTPURL(parsing: "http://h/body")
        try "old".write(toFile: saved + "/h_body", atomically: false, encoding: .utf8)
        let file = try #require(directory.beginUnnamed(), "no O_TMPFILE here")
        #expect(Array("complete".utf8).withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) } == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: saved) == ["h_body"])
        let name = try directory.keep(file, for: url)
        close(file)
        #expect(name == "h_body-1")
        #expect(read(saved + "/h_body-1") == "complete")
        #expect(read(saved + "/h_body") == "old")
        // One never kept leaves nothing once closed.
        let dropped = try #require(directory.beginUnnamed())
        write(dropped, "partial")  // and closed
        #expect(try FileManager.default.contentsOfDirectory(atPath: saved).sorted() == ["h_body", "h_body-1"])
    }

    @Test func missingDirectoriesAreCreated() throws {
        let nested = saved + "/a/b/c/"
        _ = try SaveDirectory(path: nested)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        // An existing directory is used as it is.
        _ = try SaveDirectory(path: nested)
    }

    @Test func aFileIsNotADirectory() throws {
        let file = outside + "/file"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        for path in [file, file + "/sub"] {
            #expect(throws: SaveDirectoryError(directory: path, code: ENOTDIR)) { try SaveDirectory(path: path) }
            #expect(SaveDirectoryError(directory: path, code: ENOTDIR).description == "cannot save to \(path): not a directory")
        }
        #expect(read(file) == "x")
    }

    @Test func otherFailuresSayWhatTheSystemSaid() throws {
        let path = base + "/" + String(repeating: "x", count: 300)
        #expect(throws: SaveDirectoryError(directory: path, code: ENAMETOOLONG)) { try SaveDirectory(path: path) }
        #expect(SaveDirectoryError(directory: "d", code: ENAMETOOLONG).description == "cannot save to d: file name too long")
    }

    @Test func createFailsWhenTheDirectoryIsGone() throws {
        let directory = try SaveDirectory(path: saved)
        #expect(rmdir(saved) == 0)
        #expect(throws: SaveDirectoryError(directory: saved, code: ENOENT)) { try directory.create(for: try HTTPURL(parsing: "http://h/")) }
    }

    @Test(.disabled(if: getuid() == 0, "root may write anywhere"))
    func unwritableParentIsPermissionDenied() throws {
        #expect(chmod(base, 0o555) == 0)
        #expect(throws: SaveDirectoryError(directory: saved, code: EACCES)) { try SaveDirectory(path: saved) }
        #expect(SaveDirectoryError(directory: saved, code: EACCES).description == "cannot save to \(saved): permission denied")
    }

    private func write(_ descriptor: Int32, _ text: String) {
        defer { close(descriptor) }
        let count = text.utf8.count
        #expect(Array(text.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, count) } == count)
    }

    private func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
