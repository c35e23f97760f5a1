import Foundation
import Glibc

/// A fresh directory under the system's temporary directory, for files a server serves (and
/// files it must not). Everything below it is removed when the value goes away.
final class TemporaryTree {
    /// The directory's absolute path.
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/greenlet-e2e-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SocketError(call: "mkdtemp", code: errno) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The absolute path of `relative` (slash-separated) below the tree.
    func path(_ relative: String) -> String { path + "/" + relative }

    /// Writes `bytes` to `relative` (creating its parents); `modified` sets its mtime.
    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8], modified: Date? = nil) throws -> String {
        let file = path(relative)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        if let modified {
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: file)
        }
        return file
    }

    @discardableResult
    func write(_ relative: String, _ text: String, modified: Date? = nil) throws -> String {
        try write(relative, Array(text.utf8), modified: modified)
    }

    /// Makes `relative` a symbolic link whose content is `target` (absolute or relative).
    func symlink(_ relative: String, to target: String) throws {
        guard Glibc.symlink(target, path(relative)) == 0 else { throw SocketError(call: "symlink \(relative)", code: errno) }
    }
}
