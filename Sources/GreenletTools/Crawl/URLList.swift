import Glibc

/// The URLs of a crawl: one per line of a file (or of stdin for `-`), trimmed, with blank
/// lines and `#` comments skipped.
public enum URLList {
    /// - Throws: `URLListError` when the file cannot be read.
    public static func read(from path: String) throws(URLListError) -> [String] {
        guard let file = path == "-" ? fdopen(dup(0), "r") : fopen(path, "r") else {
            throw URLListError(path: path, errno: errno)
        }
        defer { fclose(file) }
        var lines: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) >= 0 {
            lines.append(String(cString: line!))
        }
        guard ferror(file) == 0 else { throw URLListError(path: path, errno: errno) }
        return parse(lines)
    }

    /// The URL lines among `lines`.
    public static func parse(_ lines: [String]) -> [String] {
        lines.compactMap { line in
            let trimmed = line.trimmingASCIIWhitespace
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : trimmed
        }
    }
}

public struct URLListError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String { "cannot read \(path == "-" ? "stdin" : path): \(String(cString: strerror(errno)))" }
}

extension String {
    /// Without leading and trailing spaces, tabs, CRs and LFs.
    var trimmingASCIIWhitespace: String {
        let bytes = Array(utf8)
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
