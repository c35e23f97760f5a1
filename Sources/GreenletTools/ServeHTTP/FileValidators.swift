import GreenletHTTP
import Glibc
import HTTPTypes

/// What tells one version of a file from another, for conditional requests (RFC 9110 §8.8,
/// §13.1).
///
/// The ETag is `"<mtime>-<size>"` in hexadecimal, as nginx makes it. It is strong, except
/// when the file was modified within the current second: another write in that same second
/// could keep both mtime and size, so the tag is weak then (`W/"…"`), as Apache makes it.
struct FileValidators {
    /// The modification second, never later than now.
    let lastModified: Int
    let eTag: String
    let isWeak: Bool

    init(status: stat, now: Int) {
        let modified = Int(status.st_mtim.tv_sec)
        lastModified = min(modified, now)
        isWeak = modified >= now
        eTag = ASCIIWriter.string(capacity: 39) { [isWeak] out in
            if isWeak { out.append("W/") }
            out.append(byte: UInt8(ascii: "\""))
            out.appendHex(modified)
            out.append(byte: UInt8(ascii: "-"))
            out.appendHex(Int(status.st_size))
            out.append(byte: UInt8(ascii: "\""))
        }
    }

    /// Whether the request's copy is current: `If-None-Match` decides when present (weak
    /// comparison, `*` matches any file), else `If-Modified-Since`.
    func isNotModified(by fields: HTTPFields) -> Bool {
        if let tags = fields[.ifNoneMatch] {
            return tags.split(separator: ",").contains { element in
                let tag = element.trimmingBlanks
                return tag == "*" || (tag.hasPrefix("W/") ? tag.dropFirst(2) : tag) == opaqueTag
            }
        }
        guard let since = fields[.ifModifiedSince].flatMap(HTTPDate.parse) else { return false }
        return lastModified <= since
    }

    /// Whether a `Range` may be honoured: only when `If-Range`, if any, names this very
    /// version, by a strong ETag or by its exact `Last-Modified` date.
    func allowsRange(_ fields: HTTPFields) -> Bool {
        guard let condition = fields[.ifRange] else { return true }
        if condition.hasPrefix("\"") || condition.hasPrefix("W/") { return !isWeak && condition == eTag }
        return HTTPDate.parse(condition) == lastModified
    }

    private var opaqueTag: Substring { isWeak ? eTag.dropFirst(2) : eTag[...] }
}

extension ASCIIWriter {
    /// A non-negative `value` in lowercase hexadecimal, without leading zeros.
    mutating func appendHex(_ value: Int) {
        var shift = max(0, (Int.bitWidth - value.leadingZeroBitCount - 1) / 4 * 4)
        while shift >= 0 {
            append(byte: UInt8(hexDigit: (value >> shift) & 0xF, uppercase: false))
            shift -= 4
        }
    }
}
