import CZlib

/// Compresses a whole body for a `Content-Encoding`, the other way from `ContentDecoder`:
/// what a server sends a client that accepts gzip or deflate.
public enum ContentEncoder {
    /// zlib's three wrappings of one deflate stream.
    public enum Format: Sendable {
        /// `gzip`: a gzip member (RFC 1952).
        case gzip
        /// `deflate` as RFC 9110 means it: the zlib format (RFC 1950).
        case zlib
        /// `deflate` as some servers send it: no wrapping at all (RFC 1951).
        case raw

        var windowBits: Int32 {
            switch self {
            case .gzip: MAX_WBITS + 16
            case .zlib: MAX_WBITS
            case .raw: -MAX_WBITS
            }
        }
    }

    public static func compress(_ bytes: [UInt8], as format: Format) -> [UInt8] {
        var stream = z_stream()
        guard greenlet_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, format.windowBits) == Z_OK else {
            fatalError("deflateInit2: out of memory")
        }
        defer { deflateEnd(&stream) }
        // deflateBound is enough for one Z_FINISH call, whatever the input.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END, "deflate with deflateBound's room did not finish")
        return Array(output.prefix(Int(stream.total_out)))
    }
}
