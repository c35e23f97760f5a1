import Foundation
import Glibc
import HTTPTypes
@testable import GreenletTools

/// A served tree in a fresh temporary directory, with a sibling directory outside it that
/// no request may reach. Every file is dated `ServeHTTPFixture.modified`.
final class ServeHTTPFixture {
    /// Sun, 06 Nov 1994 08:49:37 GMT
    static let modified = 784_111_777
    static let alphabet = "abcdefghijklmnopqrstuvwxyz"
    static let secret = "outside secret"

    let base: String
    let root: String
    let outside: String

    init() throws {
        base = NSTemporaryDirectory() + "serve-http-\(UUID().uuidString)"
        root = base + "/root"
        outside = base + "/outside"
        let files: [String: String] = [
            "alphabet.txt": Self.alphabet,
            "a b.txt": "spaced",
            "café ☕.txt": "unicode",
            "<script>&'\".txt": "markup",
            "empty.txt": "",
            "data.bin": "binary",
            "noext": "plain",
            "image.PNG": "png",
            "sub/b.json": "{}",
            "sub/c.css": "p{}",
            "sub/z dir/deep.txt": "deep",
            "a/inner.txt": "inner",
            "withindex/index.html": "<h1>home</h1>",
            "withindex/other.txt": "other",
        ]
        for (name, text) in files {
            try write(text, to: root + "/" + name)
        }
        try write(Self.secret, to: outside + "/secret.txt")
        try link("alphabet.txt", at: "in.txt")
        try link(root + "/alphabet.txt", at: "inabs.txt")
        try link("sub", at: "insub")
        try link("../outside/secret.txt", at: "leak.txt")
        try link(outside + "/secret.txt", at: "leakabs.txt")
        try link(outside, at: "outdir")
        try link("a/../../outside/secret.txt", at: "a-leak.txt")
        for path in try FileManager.default.subpathsOfDirectory(atPath: root) + [""] {
            try date(root + "/" + path)
        }
    }

    deinit {
        chmod(root + "/unreadable.txt", 0o644)
        try? FileManager.default.removeItem(atPath: base)
    }

    private func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func link(_ target: String, at name: String) throws {
        guard symlink(target, root + "/" + name) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
    }

    private func date(_ path: String) throws {
        let time = timespec(tv_sec: Self.modified, tv_nsec: 0)
        guard utimensat(AT_FDCWD, path, [time, time], AT_SYMLINK_NOFOLLOW) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
    }

    /// A file only root can read (tests that need it are skipped when running as root).
    func addUnreadableFile() throws {
        try write("hidden", to: root + "/unreadable.txt")
        chmod(root + "/unreadable.txt", 0)
    }

    static let isRoot = getuid() == 0
}

extension StaticResponse {
    /// The body's bytes as text; a file body is read and its descriptor closed.
    func bodyText() -> String {
        switch body {
        case .none:
            return ""
        case .bytes(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        case .file(let descriptor, let offset, let length):
            defer { close(descriptor) }
            var bytes = [UInt8](repeating: 0, count: length)
            let count = pread(descriptor, &bytes, length, off_t(offset))
            return String(decoding: bytes[..<max(0, count)], as: UTF8.self)
        }
    }

    var isFile: Bool {
        if case .file = body { true } else { false }
    }
}
