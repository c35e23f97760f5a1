import Glibc
import GreenletHTTP
import Synchronization

/// The directory `crawl --save` writes bodies into, one new file per body.
///
/// Files are created relative to the directory's descriptor with `O_CREAT | O_EXCL |
/// O_NOFOLLOW` and names free of `/`: nothing lands outside the directory, even if it is
/// renamed meanwhile, and nothing existing is overwritten or followed, a symlink planted
/// under the next name included. A taken name moves on to the next suffix; `O_EXCL` makes
/// that safe against other threads and processes saving into the same directory.
final class SaveDirectory: Sendable {
    /// The directory as given.
    let path: String
    private let descriptor: Int32
    /// Per file name, the suffix to try first: a crawl of `/page?id=1` … `?id=N` would
    /// otherwise probe every taken name again for each new body.
    private let nextSuffix = Mutex<[String: Int]>([:])

    /// Creates `path`, and its missing parents, with mode 0755 when missing.
    /// - Throws: `SaveDirectoryError` when it cannot be created or is not a directory.
    init(path: String) throws(SaveDirectoryError) {
        self.path = path
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            guard mkdir(prefix, 0o755) == 0 || errno == EEXIST else { throw SaveDirectoryError(directory: path, code: errno) }
            prefix += "/"
        }
        descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SaveDirectoryError(directory: path, code: errno) }
    }

    deinit { close(descriptor) }

    /// The file name for a URL: host and path (not the query) with every byte outside
    /// `[A-Za-z0-9._-]` as `_`, and `index.html` after a trailing slash, so
    /// `http://h/a/b.txt?q=1` is `h_a_b.txt`. At most 200 bytes, cut at the start to keep
    /// the extension; never `.` or `..`.
    static func fileName(for url: HTTPURL) -> String {
        let path = url.target.utf8.prefix { $0 != UInt8(ascii: "?") }
        var bytes = Array(url.host.utf8) + path
        if path.last == UInt8(ascii: "/") { bytes += "index.html".utf8 }
        // Unreserved but for `~`, which a shell would expand.
        for index in bytes.indices where !bytes[index].isUnreserved || bytes[index] == UInt8(ascii: "~") { bytes[index] = UInt8(ascii: "_") }
        bytes = Array(bytes.suffix(200))
        if bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) { bytes.insert(UInt8(ascii: "_"), at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates a new file (mode 0644) for `url`'s body, named by `fileName(for:)` or, when
    /// that is taken, with `-1`, `-2`, … appended.
    /// - Returns: the descriptor, open for writing, which the caller closes; and the name used.
    /// - Throws: `SaveDirectoryError` when the file cannot be created (a full disk, say).
    func create(for url: HTTPURL) throws(SaveDirectoryError) -> (descriptor: Int32, name: String) {
        let base = Self.fileName(for: url)
        var suffix = nextSuffix.withLock { $0[base, default: 0] }
        while true {
            let name = suffix == 0 ? base : "\(base)-\(suffix)"
            let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if file >= 0 {
                nextSuffix.withLock { $0[base] = max($0[base, default: 0], suffix + 1) }
                return (file, name)
            }
            guard errno == EEXIST else { throw SaveDirectoryError(directory: path, code: errno) }
            suffix += 1
        }
    }

    /// Removes a file `create(for:)` made, such as a body that failed half-way; a file
    /// already gone is no error.
    func remove(_ name: String) {
        unlinkat(descriptor, name, 0)
    }
}

/// Why `crawl --save` cannot save into its directory.
struct SaveDirectoryError: Error, Equatable, CustomStringConvertible {
    /// The directory as given.
    let directory: String
    /// The `errno` of the call that failed.
    let code: Int32

    /// One line, such as `cannot save to out: not a directory`.
    var description: String {
        let text = switch code {
        case ENOTDIR: "not a directory"
        case EACCES: "permission denied"
        default: String(cString: strerror(code)).lowercased()
        }
        return "cannot save to \(directory): \(text)"
    }
}
