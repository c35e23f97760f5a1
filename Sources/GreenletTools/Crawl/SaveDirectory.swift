import Glibc
import GreenletHTTP
import GreenletLocks

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
    private let nextSuffix = Locked<[String: Int]>([:])

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

    /// Creates a new file for `url` under the first free name: `fileName(for:)`, then
    /// with `-1`, `-2`, … (O_EXCL makes the choice atomic across threads and processes;
    /// O_NOFOLLOW refuses a symlink planted under the name).
    func create(for url: HTTPURL) throws(SaveDirectoryError) -> (descriptor: Int32, name: String) {
        var file: Int32 = -1
        let name = try claimName(for: url) { name in
            file = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            return file >= 0
        }
        return (file, name)
    }

    /// A file with no name yet (O_TMPFILE), for a body still arriving: a crawl that
    /// dies half-way (Ctrl-C, a killed worker) leaves nothing under a real name. Nil
    /// where the file system has no unnamed files; then `create(for:)` it is.
    func beginUnnamed() -> Int32? {
        let file = openat(descriptor, ".", Self.unnamedFileFlags | O_WRONLY | O_CLOEXEC, 0o644)
        return file >= 0 ? file : nil
    }

    /// Gives an unnamed file its name, the first free one as in `create(for:)`;
    /// `linkat` fails with EEXIST rather than replace a file.
    func keep(_ file: Int32, for url: HTTPURL) throws(SaveDirectoryError) -> String {
        try claimName(for: url) { name in
            linkat(AT_FDCWD, "/proc/self/fd/\(file)", descriptor, name, AT_SYMLINK_FOLLOW) == 0
        }
    }

    /// O_TMPFILE, which Glibc's module does not export: `__O_TMPFILE | O_DIRECTORY`, with
    /// `__O_TMPFILE` at 020000000 on x86-64 and AArch64.
    private static let unnamedFileFlags = Int32(0o20000000) | O_DIRECTORY

    /// Tries `fileName(for:)` and its suffixed forms with `attempt` until one succeeds;
    /// any error but EEXIST ends the search.
    private func claimName(for url: HTTPURL, _ attempt: (String) -> Bool) throws(SaveDirectoryError) -> String {
        let base = Self.fileName(for: url)
        var suffix = nextSuffix.withLock { $0[base, default: 0] }
        while true {
            let name = suffix == 0 ? base : "\(base)-\(suffix)"
            if attempt(name) {
                nextSuffix.withLock { $0[base] = max($0[base, default: 0], suffix + 1) }
                return name
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
