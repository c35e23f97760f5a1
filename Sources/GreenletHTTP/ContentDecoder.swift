import CZlib

/// Decodes a body sent with `Content-Encoding: gzip`, `x-gzip` or `deflate` (sans-I/O, on
/// zlib). Feed it the body as it arrives and take pieces with `next()` until it returns nil;
/// pulling lets an async caller write each piece out before inflating the next, and each is
/// at most `maxPieceLength` bytes, so memory stays bounded however far the data expands (a
/// gzip bomb grows a thousandfold). Call `finish()` when the body ends.
///
/// - `deflate` is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate: as
///   curl does, data that fails as zlib before any output restarts as raw deflate.
/// - gzip members that follow one another decode one after the other, as gunzip does.
/// - Bytes after the end of the stream that do not start another gzip member are ignored, as
///   gunzip does: some servers pad the body, and what came before is whole and checked.
/// - A body with no bytes at all decodes to nothing, without error: servers label empty
///   bodies (`Content-Length: 0`) `gzip` too.
public final class ContentDecoder {
    /// The `Accept-Encoding` value a client sends: the codings this type decodes.
    public static let acceptEncoding = "gzip, deflate"
    /// The most bytes `next()` returns at once.
    public static let maxPieceLength = 16 * 1024

    /// A content coding this type decodes; its raw value names it in errors.
    public enum Coding: String, Hashable, Sendable {
        case gzip, deflate
    }

    /// The coding the body is in, which errors name.
    public let coding: Coding
    // zlib's state points back at its z_stream and refuses one that moved.
    private let stream: UnsafeMutablePointer<z_stream>
    private let piece: UnsafeMutablePointer<UInt8>
    private var input: [UInt8] = []
    private var inputStart = 0
    /// What a deflate stream consumed before its first output, to replay as raw deflate;
    /// nil once the format is settled.
    private var replay: [UInt8]?
    private var receivedBytes = false
    private var state = State.inflating

    private enum State {
        case inflating
        /// A gzip member ended; another may follow.
        case betweenMembers
        case ended
        case failed(ContentDecodingError)
    }

    /// A decoder for a `Content-Encoding` value, or nil when the body needs none or is in a
    /// coding this type does not decode: identity, br, zstd, or stacked codings such as
    /// `gzip, deflate`. The caller then passes the body through unchanged, as curl does with
    /// codings it did not ask for.
    public init?(contentEncoding: String) {
        let codings = contentEncoding.split(separator: ",").map(\.trimmingBlanks).filter { !$0.isEmpty }
        guard codings.count == 1 else { return nil }
        switch codings[0].lowercased() {
        case "gzip", "x-gzip": coding = .gzip
        case "deflate":
            coding = .deflate
            replay = []
        default: return nil
        }
        piece = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.maxPieceLength)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = greenlet_inflateInit2(stream, coding == .gzip ? MAX_WBITS + 16 : MAX_WBITS)
        guard status == Z_OK else { fatalError("inflateInit2: out of memory") }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        piece.deallocate()
    }

    /// Adds body bytes as they arrive; `next()` then decodes them.
    public func feed(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        receivedBytes = true
        switch state {
        case .ended, .failed: return
        case .inflating, .betweenMembers: break
        }
        input.removeFirst(inputStart)
        inputStart = 0
        input.append(contentsOf: bytes)
    }

    /// The next piece of the decoded body, at most `maxPieceLength` bytes; nil when the bytes
    /// fed so far are used up.
    /// - Throws: `ContentDecodingError.corrupt`, now and on every later call.
    public func next() throws(ContentDecodingError) -> ArraySlice<UInt8>? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .ended:
                input = []
                inputStart = 0
                return nil
            case .betweenMembers:
                guard input.count - inputStart >= 2 else { return nil }
                guard input[inputStart] == 0x1F, input[inputStart + 1] == 0x8B else {
                    state = .ended
                    continue
                }
                inflateReset(stream)
                state = .inflating
            case .inflating:
                let start = inputStart
                let (status, produced) = inflateOnce()
                if produced > 0 {
                    replay = nil
                } else {
                    replay?.append(contentsOf: input[start..<inputStart])
                    // A zlib stream this far in without output is no misread raw one; stop
                    // holding its bytes.
                    if let count = replay?.count, count > Self.maxPieceLength { replay = nil }
                }
                switch status {
                case Z_OK where produced == 0:
                    continue
                case Z_OK:
                    return output(produced)
                case Z_BUF_ERROR:
                    return nil
                case Z_STREAM_END:
                    state = coding == .gzip ? .betweenMembers : .ended
                    if produced > 0 { return output(produced) }
                case Z_DATA_ERROR where replay != nil:
                    restartAsRawDeflate()
                default:
                    state = .failed(.corrupt(coding))
                    throw .corrupt(coding)
                }
            }
        }
    }

    /// The body ended; call it once `next()` has returned nil.
    /// - Throws: `ContentDecodingError.truncated` when the compressed stream had not ended,
    ///   or the error `next()` threw.
    public func finish() throws(ContentDecodingError) {
        switch state {
        case .failed(let error):
            throw error
        case .inflating where receivedBytes:
            state = .failed(.truncated(coding))
            throw .truncated(coding)
        case .inflating, .betweenMembers, .ended:
            break
        }
    }

    /// One inflate call over the unused input into `piece`: its status and the bytes written.
    private func inflateOnce() -> (status: Int32, produced: Int) {
        let available = input.count - inputStart
        let status = input.withUnsafeBufferPointer { buffer in
            stream.pointee.next_in = buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0 + inputStart) }
            stream.pointee.avail_in = UInt32(available)
            stream.pointee.next_out = piece
            stream.pointee.avail_out = UInt32(Self.maxPieceLength)
            return inflate(stream, Z_NO_FLUSH)
        }
        inputStart += available - Int(stream.pointee.avail_in)
        stream.pointee.next_in = nil
        return (status, Self.maxPieceLength - Int(stream.pointee.avail_out))
    }

    private func output(_ count: Int) -> ArraySlice<UInt8> {
        ArraySlice(UnsafeBufferPointer(start: piece, count: count))
    }

    /// The server sent raw deflate, without the zlib wrapper: start over on the same bytes.
    private func restartAsRawDeflate() {
        input = (replay ?? []) + input[inputStart...]
        inputStart = 0
        replay = nil
        inflateReset2(stream, -MAX_WBITS)
    }
}
