/// How much a parser accepts before it gives up; each limit bounds the memory one connection
/// can make the parser hold.
public struct HTTPParserLimits: Hashable, Sendable {
    /// Bytes of the request line (status line) without its CRLF; beyond → `startLineTooLong`.
    public var maxStartLineLength: Int
    /// Bytes of the field lines after the start line, CRLFs and the closing empty line
    /// included; the trailer section has the same limit. Beyond → `headerBlockTooLarge`.
    public var maxHeaderBlockLength: Int
    /// Field lines in the header (and in the trailer) section; beyond → `tooManyHeaderFields`.
    public var maxHeaderFields: Int
    /// Body bytes after de-chunking, plus the bytes of chunk extensions (so that endless tiny
    /// chunks with long extensions cannot run forever); beyond → `bodyTooLarge`.
    public var maxBodyLength: Int

    /// The limits a server applies: 8 KiB request line, 16 KiB header block, 100 fields,
    /// 1 MiB body.
    public init(
        maxStartLineLength: Int = 8 * 1024,
        maxHeaderBlockLength: Int = 16 * 1024,
        maxHeaderFields: Int = 100,
        maxBodyLength: Int = 1024 * 1024
    ) {
        self.maxStartLineLength = maxStartLineLength
        self.maxHeaderBlockLength = maxHeaderBlockLength
        self.maxHeaderFields = maxHeaderFields
        self.maxBodyLength = maxBodyLength
    }
}
