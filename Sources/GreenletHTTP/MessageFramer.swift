import HTTPTypes

/// What both parsers share: collecting the head's lines, then cutting the body out of the
/// input, for either kind of message. The start line is left to the caller's `makeHead`.
///
/// Head, chunk-size and trailer lines are copied into one reused buffer, so a head split
/// across any number of reads costs no allocation beyond that buffer's growth (capped by the
/// limits); body bytes are never copied, the events hand out slices of the caller's input.
struct MessageFramer: Sendable {
    enum State: Equatable {
        /// Between messages: empty lines are skipped (RFC 9112 §2.2).
        case idle
        case startLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLines
        case untilClose
        /// The body is complete (or absent); the next call reports the end.
        case endPending
        case failed(HTTPParseError)
    }

    let limits: HTTPParserLimits
    private(set) var state = State.idle
    /// The head, chunk-size line or trailer section received so far, CRLFs included.
    private var lines: [UInt8] = []
    /// Where each complete line of `lines` ends (past its LF).
    private var lineEnds: [Int] = []
    /// Body bytes so far, with chunk extensions, against `limits.maxBodyLength`.
    private var bodyLength = 0

    init(limits: HTTPParserLimits) {
        self.limits = limits
    }

    /// Parses up to the next event. `makeHead` turns a start line and its fields into the head
    /// and its body framing, or nil to drop the message (an interim response) and go on.
    mutating func parse<Head>(
        _ input: ArraySlice<UInt8>,
        makeHead: (Bytes, HTTPFields) throws(HTTPParseError) -> (Head, BodyFraming)?
    ) throws(HTTPParseError) -> HTTPParseStep<Head> {
        do {
            let result = try input.withUnsafeBufferPointer { buffer throws(HTTPParseError) in
                try next(buffer, makeHead: makeHead)
            }
            let event = result.event.map { event -> HTTPParseEvent<Head> in
                switch event {
                case .head(let head): .head(head)
                case .body(let range): .body(input[(input.startIndex + range.lowerBound)..<(input.startIndex + range.upperBound)])
                case .end(let trailers): .end(trailers: trailers)
                }
            }
            return HTTPParseStep(consumed: result.consumed, event: event)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// The input has ended: completes a close-delimited body, else fails unless between
    /// messages.
    mutating func finish<Head>() throws(HTTPParseError) -> HTTPParseEvent<Head>? {
        switch state {
        case .idle: return nil
        case .untilClose, .endPending:
            reset()
            return .end(trailers: [:])
        case .failed(let error): throw error
        default:
            state = .failed(.unexpectedEndOfInput)
            throw .unexpectedEndOfInput
        }
    }

    private enum Event<Head> {
        case head(Head)
        case body(Range<Int>)
        case end(HTTPFields)
    }

    private mutating func next<Head>(
        _ input: Bytes,
        makeHead: (Bytes, HTTPFields) throws(HTTPParseError) -> (Head, BodyFraming)?
    ) throws(HTTPParseError) -> (consumed: Int, event: Event<Head>?) {
        var at = 0
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .idle:
                guard at < input.count else { return (at, nil) }
                state = .startLine
            case .startLine:
                let complete = try collectLine(input, &at, maxTotal: limits.maxStartLineLength + 2, .startLineTooLong)
                guard complete else { return (at, nil) }
                if lines.count == 2 { reset() } else { state = .headerLines }
            case .headerLines:
                let blockStart = lineEnds[0]
                let complete = try collectLine(
                    input, &at, maxTotal: blockStart + limits.maxHeaderBlockLength, .headerBlockTooLarge)
                guard complete else { return (at, nil) }
                guard lastLineIsEmpty else {
                    guard lineEnds.count - 1 <= limits.maxHeaderFields else { throw .tooManyHeaderFields }
                    continue
                }
                let fields = try fieldLines(from: 1)
                let startLineEnd = lineEnds[0] - 2
                let made = try lines.withUnsafeBufferPointer { buffer throws(HTTPParseError) in
                    try makeHead(buffer.slice(0, startLineEnd), fields)
                }
                guard let (head, framing) = made else {
                    reset()
                    continue
                }
                beginBody(framing)
                return (at, .head(head))
            case .fixedBody(let remaining):
                let count = min(remaining, input.count - at)
                guard count > 0 else { return (at, nil) }
                state = count == remaining ? .endPending : .fixedBody(remaining: remaining - count)
                return (at + count, .body(at..<(at + count)))
            case .chunkSizeLine:
                let complete = try collectLine(input, &at, maxTotal: ChunkSizeLine.maxLength + 2, .invalidChunkExtension)
                guard complete else { return (at, nil) }
                let chunk = try lines.withUnsafeBufferPointer { buffer throws(HTTPParseError) in
                    try ChunkSizeLine(buffer.slice(0, buffer.count - 2))
                }
                try countBody(chunk.extensionLength)
                try countBody(chunk.size)
                reset()
                state = chunk.size == 0 ? .trailerLines : .chunkData(remaining: chunk.size)
            case .chunkData(let remaining):
                let count = min(remaining, input.count - at)
                guard count > 0 else { return (at, nil) }
                state = count == remaining ? .chunkDataCR : .chunkData(remaining: remaining - count)
                return (at + count, .body(at..<(at + count)))
            case .chunkDataCR, .chunkDataLF:
                guard at < input.count else { return (at, nil) }
                let expected = state == .chunkDataCR ? ASCII.cr : ASCII.lf
                guard input[at] == expected else { throw .missingChunkDataTerminator }
                at += 1
                state = state == .chunkDataCR ? .chunkDataLF : .chunkSizeLine
            case .trailerLines:
                let complete = try collectLine(input, &at, maxTotal: limits.maxHeaderBlockLength, .headerBlockTooLarge)
                guard complete else { return (at, nil) }
                guard lastLineIsEmpty else {
                    guard lineEnds.count <= limits.maxHeaderFields else { throw .tooManyHeaderFields }
                    continue
                }
                let trailers = try fieldLines(from: 0)
                reset()
                return (at, .end(trailers))
            case .untilClose:
                guard at < input.count else { return (at, nil) }
                // Up to the limit, then the error: the same body comes out however the
                // input is cut.
                let count = min(input.count - at, limits.maxBodyLength - bodyLength)
                guard count > 0 else { throw .bodyTooLarge }
                bodyLength += count
                return (at + count, .body(at..<(at + count)))
            case .endPending:
                reset()
                return (at, .end([:]))
            }
        }
    }

    private mutating func beginBody(_ framing: BodyFraming) {
        lines.removeAll(keepingCapacity: true)
        lineEnds.removeAll(keepingCapacity: true)
        bodyLength = 0
        switch framing {
        case .none: state = .endPending
        case .length(let length) where length > limits.maxBodyLength: state = .failed(.bodyTooLarge)
        case .length(let length): state = length == 0 ? .endPending : .fixedBody(remaining: length)
        case .chunked: state = .chunkSizeLine
        case .untilClose: state = .untilClose
        }
    }

    /// Back to `idle`, keeping the line buffer's capacity for the next message.
    private mutating func reset() {
        lines.removeAll(keepingCapacity: true)
        lineEnds.removeAll(keepingCapacity: true)
        state = .idle
    }

    private mutating func countBody(_ count: Int) throws(HTTPParseError) {
        guard count <= limits.maxBodyLength - bodyLength else { throw .bodyTooLarge }
        bodyLength += count
    }

    /// Moves input bytes up to and including the next LF into `lines`; true once the line is
    /// complete. Throws `tooLong` rather than let `lines` grow past `maxTotal` bytes.
    private mutating func collectLine(
        _ input: Bytes,
        _ at: inout Int,
        maxTotal: Int,
        _ tooLong: HTTPParseError
    ) throws(HTTPParseError) -> Bool {
        let rest = input.slice(at, input.count)
        let lineFeed = rest.firstIndex(of: ASCII.lf)
        let take = lineFeed.map { $0 + 1 } ?? rest.count
        guard lines.count + take <= maxTotal else { throw tooLong }
        lines.append(contentsOf: rest.slice(0, take))
        at += take
        guard lineFeed != nil else { return false }
        let lineStart = lineEnds.last ?? 0
        guard lines.count - lineStart >= 2, lines[lines.count - 2] == ASCII.cr else { throw .bareLineFeed }
        lineEnds.append(lines.count)
        return true
    }

    private var lastLineIsEmpty: Bool {
        lineEnds.count == 1 ? lineEnds[0] == 2 : lineEnds[lineEnds.count - 1] - lineEnds[lineEnds.count - 2] == 2
    }

    /// The fields of the complete lines from `first` on, the closing empty line excluded.
    private func fieldLines(from first: Int) throws(HTTPParseError) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(lineEnds.count - first - 1)
        try lines.withUnsafeBufferPointer { buffer throws(HTTPParseError) in
            var start = first == 0 ? 0 : lineEnds[first - 1]
            for end in lineEnds[first..<(lineEnds.count - 1)] {
                fields.append(try HTTPField(line: buffer.slice(start, end - 2)))
                start = end
            }
        }
        return fields
    }
}
