/// Cuts a byte stream into lines (sans-I/O): bytes in, in pieces of any size, lines out,
/// without their `\n` or `\r\n`. A line longer than `maxLength` is reported once as
/// `tooLong` and the rest of it, up to its end, is dropped: one client's endless line
/// never grows the server's memory.
struct LineFramer {
    enum Piece: Equatable {
        case line([UInt8])
        case tooLong
    }

    let maxLength: Int
    private var partial: [UInt8] = []
    /// Inside a line already reported too long.
    private var discarding = false

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    /// The pieces `bytes` completes, in order.
    mutating func feed(_ bytes: some Collection<UInt8>) -> [Piece] {
        var pieces: [Piece] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: 0x0A)
            if !discarding {
                partial += rest[..<(newline ?? rest.endIndex)]
                if newline != nil {
                    if partial.last == 0x0D { partial.removeLast() }
                    pieces.append(partial.count > maxLength ? .tooLong : .line(partial))
                    partial.removeAll(keepingCapacity: true)
                } else if partial.count > maxLength + (partial.last == 0x0D ? 1 : 0) {
                    // Over the limit even if a CR now ends it: report, and drop the rest.
                    pieces.append(.tooLong)
                    partial.removeAll(keepingCapacity: true)
                    discarding = true
                }
            }
            guard let newline else { break }
            discarding = false
            rest = rest[rest.index(after: newline)...]
        }
        return pieces
    }
}
