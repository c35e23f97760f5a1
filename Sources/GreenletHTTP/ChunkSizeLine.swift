/// `chunk-size [chunk-ext]` of a chunked body (RFC 9112 §7.1), the line without its CRLF.
/// Extensions are checked to the letter and then ignored: a lax reading of them (a bare LF
/// or a stray quote inside) is what lets two parsers disagree about where a chunk ends.
struct ChunkSizeLine {
    /// The longest chunk-size line accepted, extensions included.
    static let maxLength = 4096

    var size: Int
    /// Bytes after the size; they count toward the body limit.
    var extensionLength: Int

    init(_ line: Bytes) throws(HTTPParseError) {
        var index = 0
        var size = 0
        while index < line.count, let digit = line[index].hexValue {
            guard size < 1 << 56 else { throw .invalidChunkSize }
            size = size << 4 | Int(digit)
            index += 1
        }
        guard index > 0, index == line.count || line[index].isWhitespace || line[index] == ASCII.semicolon else {
            throw .invalidChunkSize
        }
        self.size = size
        extensionLength = line.count - index
        while index < line.count {
            index = Self.skipWhitespace(line, index)
            guard index < line.count, line[index] == ASCII.semicolon else { throw .invalidChunkExtension }
            index = try Self.token(line, Self.skipWhitespace(line, index + 1))
            let afterName = index
            index = Self.skipWhitespace(line, index)
            if index < line.count, line[index] == ASCII.equals {
                index = Self.skipWhitespace(line, index + 1)
                guard index < line.count else { throw .invalidChunkExtension }
                index = try line[index] == ASCII.quote ? Self.quotedString(line, index) : Self.token(line, index)
            } else {
                index = afterName
            }
        }
    }

    private static func skipWhitespace(_ line: Bytes, _ start: Int) -> Int {
        var index = start
        while index < line.count && line[index].isWhitespace { index += 1 }
        return index
    }

    /// The index after a non-empty token starting at `start`.
    private static func token(_ line: Bytes, _ start: Int) throws(HTTPParseError) -> Int {
        var index = start
        while index < line.count && line[index].isToken { index += 1 }
        guard index > start else { throw .invalidChunkExtension }
        return index
    }

    /// The index after a quoted-string (RFC 9110 §5.6.4) whose opening quote is at `start`.
    private static func quotedString(_ line: Bytes, _ start: Int) throws(HTTPParseError) -> Int {
        var index = start + 1
        while index < line.count {
            let byte = line[index]
            if byte == ASCII.quote { return index + 1 }
            if byte == ASCII.backslash { index += 1 }
            guard index < line.count, line[index].isFieldContent else { throw .invalidChunkExtension }
            index += 1
        }
        throw .invalidChunkExtension
    }
}
