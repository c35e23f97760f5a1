import GreenletHTTP
/// Percent-encoding of URL paths (RFC 3986 §2.1) and its relatives.
extension UInt8 {
    /// Unreserved characters (RFC 3986 §2.3) stand for themselves in a path segment;
    /// everything else is encoded, so a name never reads as a scheme, query or fragment.
    var isUnreserved: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}

extension String {
    /// Appends `prefix` and the byte as two uppercase hexadecimal digits (`%2F`, `\x22`).
    mutating func appendHexEscape(_ byte: UInt8, prefix: String) {
        append(prefix)
        unicodeScalars.append(Unicode.Scalar(UInt8(hexDigit: Int(byte >> 4), uppercase: true)))
        unicodeScalars.append(Unicode.Scalar(UInt8(hexDigit: Int(byte & 0xF), uppercase: true)))
    }

    /// Appends a path segment with every byte that is not unreserved percent-encoded.
    mutating func appendPercentEncoded(_ segment: some Sequence<UInt8>) {
        for byte in segment {
            if byte.isUnreserved { unicodeScalars.append(Unicode.Scalar(byte)) } else { appendHexEscape(byte, prefix: "%") }
        }
    }
}
