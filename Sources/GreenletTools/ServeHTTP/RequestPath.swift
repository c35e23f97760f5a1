import GreenletHTTP
/// The file a request target names, as a path relative to the served root.
enum RequestPath {
    /// Why a target names no file.
    enum Refusal: Error {
        /// Not a path, or a bad percent-escape: 400.
        case malformed
        /// A `..` segment, an encoded slash or a NUL byte: whatever it would reach, the
        /// answer is 403, so that probing tells nothing about what lies outside.
        case outside
    }

    /// The path and query of an origin-form (`/a?x`) or absolute-form (`http://h/a?x`)
    /// target (RFC 9112 §3.2); the query is not part of the file's name.
    static func split(_ target: Substring) throws(Refusal) -> (path: Substring, query: Substring?) {
        var rest = target
        if rest.utf8.first != UInt8(ascii: "/") {
            guard let schemeEnd = rest.firstRange(of: "://"),
                  ["http", "https"].contains(rest[..<schemeEnd.lowerBound].lowercased())
            else { throw .malformed }
            rest = rest[schemeEnd.upperBound...]
            guard let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return ("/", nil) }
            rest = rest[pathStart...]
            if rest.hasPrefix("?") { return ("/", rest.dropFirst()) }
        }
        // Searched as bytes: a `?` is ASCII, and Character indexing costs per step.
        guard let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (rest, nil) }
        return (rest[..<mark], rest[rest.utf8.index(after: mark)...])
    }

    /// Percent-decodes `path` into `buffer` as segments joined by `/`, without a leading
    /// slash, dropping empty and `.` segments. `buffer` needs room for `path`'s bytes.
    /// - Returns: the decoded length, and whether the path ends with `/` (asks for a directory).
    static func decode(_ path: Substring, into buffer: UnsafeMutableBufferPointer<UInt8>) throws(Refusal) -> (count: Int, isDirectoryForm: Bool) {
        var count = 0
        var segmentStart = 0
        func endSegment() throws(Refusal) {
            switch count - segmentStart {
            case 0: return
            case 1 where buffer[segmentStart] == UInt8(ascii: "."): count = segmentStart
            case 2 where buffer[segmentStart] == UInt8(ascii: ".") && buffer[segmentStart + 1] == UInt8(ascii: "."): throw .outside
            default:
                buffer[count] = UInt8(ascii: "/")
                count += 1
                segmentStart = count
            }
        }
        var bytes = path.utf8.makeIterator()
        while let byte = bytes.next() {
            var decoded = byte
            switch byte {
            case UInt8(ascii: "/"):
                try endSegment()
                continue
            case UInt8(ascii: "%"):
                guard let escaped = PercentEncoding.decode(bytes.next(), bytes.next()) else { throw .malformed }
                decoded = escaped
                if decoded == UInt8(ascii: "/") { throw .outside }
            default:
                break
            }
            if decoded == 0 { throw .outside }
            buffer[count] = decoded
            count += 1
        }
        try endSegment()
        return (max(0, count - 1), path.utf8.last == UInt8(ascii: "/"))
    }
}
