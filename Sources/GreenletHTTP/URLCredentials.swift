/// The `user[:password]@` of a URL (RFC 3986 §3.2.1), percent-decoded: what curl and
/// wget send as `Authorization: Basic`. Never part of a URL's `description`, and shown to
/// a person only through `redactingPassword(in:)`.
public struct URLCredentials: Hashable, Sendable {
    /// The decoded bytes, not strings: a password need not be UTF-8.
    public let user: [UInt8]
    public let password: [UInt8]?

    /// Decodes a userinfo; a `%` that starts no escape stands for itself, as in curl.
    /// - Throws: for a byte RFC 3986 does not allow there (a `\` a browser would read as a
    ///   path, a space, a `@`), rather than guess where the host begins.
    init(userinfo: ArraySlice<UInt8>) throws(HTTPURLError) {
        guard userinfo.allSatisfy(Self.isUserinfoByte) else { throw .invalid("invalid character in user info") }
        let colon = userinfo.firstIndex(of: ASCII.colon)
        user = Self.decoded(userinfo[..<(colon ?? userinfo.endIndex)])
        password = colon.map { Self.decoded(userinfo[($0 + 1)...]) }
    }

    /// `Basic base64(user:password)`; `user:` without a password, as curl sends it.
    public var basicAuthorization: String {
        "Basic " + Base64.encode(user + [ASCII.colon] + (password ?? []))
    }

    /// `text`, a URL or what was meant as one, with the password of its userinfo replaced
    /// by `***`: how a URL with credentials is printed.
    public static func redactingPassword(in text: String) -> String {
        let start = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        let authority = text[start...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }

    /// `bytes` with their `%XX` escapes decoded.
    package static func decoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let escape = bytes[index] == UInt8(ascii: "%")
                ? PercentEncoding.decode(bytes.dropFirst(index - bytes.startIndex + 1).first, bytes.dropFirst(index - bytes.startIndex + 2).first) : nil
            out.append(escape ?? bytes[index])
            index += escape == nil ? 1 : 3
        }
        return out
    }

    /// unreserved, pct-encoded, sub-delims and `:`.
    private static func isUserinfoByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "-._~%!$&'()*+,;=:".utf8.contains(byte)
        }
    }
}
