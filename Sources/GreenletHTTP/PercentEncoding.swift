/// Percent-encoding (RFC 3986 §2.1): the one encoder and decoder behind request targets,
/// URLs, directory listings and the paths serve-http maps to files. Each caller says which
/// bytes stand for themselves; the escapes are always `%` and two uppercase hex digits.
package enum PercentEncoding {
    /// Appends `bytes`, escaping each one `keep` rejects.
    @inlinable
    package static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8], keeping keep: (UInt8) -> Bool) {
        for byte in bytes {
            if keep(byte) { out.append(byte) } else { appendEscape(byte, to: &out) }
        }
    }

    /// Appends `byte` as `%XX`.
    @inlinable
    package static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "%"))
        out.append(UInt8(hexDigit: Int(byte >> 4), uppercase: true))
        out.append(UInt8(hexDigit: Int(byte & 0xF), uppercase: true))
    }

    /// The byte that the escape `%` `high` `low` stands for; nil unless both are hex
    /// digits (either case).
    @inlinable
    /// `bytes` with their `%XX` escapes decoded; a `%` that starts no escape stands for
    /// itself, as in curl.
    package static func decoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let escape = bytes[index] == UInt8(ascii: "%")
                ? decode(bytes.dropFirst(index - bytes.startIndex + 1).first, bytes.dropFirst(index - bytes.startIndex + 2).first) : nil
            out.append(escape ?? bytes[index])
            index += escape == nil ? 1 : 3
        }
        return out
    }

    package static func decode(_ high: UInt8?, _ low: UInt8?) -> UInt8? {
        guard let high = high?.hexValue, let low = low?.hexValue else { return nil }
        return high << 4 | low
    }
}

extension UInt8 {
    /// Unreserved characters (RFC 3986 §2.3) stand for themselves in any URL component:
    /// escaping all else, a name never reads as a scheme, query or fragment.
    package var isUnreserved: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
