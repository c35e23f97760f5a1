/// The `user[:password]@` of a URL (RFC 3986 §3.2.1), percent-decoded: what curl and
/// wget send as `Authorization: Basic`. Never part of a URL's `description`, and shown to
/// a person only through `redactingPassword(in:)`.
public struct URLCredentials: Hashable, Sendable, CustomStringConvertible, CustomReflectable {
    /// The decoded bytes, not strings: a password need not be UTF-8.
    public let user: [UInt8]
    public let password: [UInt8]?

    /// Decodes a userinfo; a `%` that starts no escape stands for itself, as in curl.
    /// - Throws: for a byte RFC 3986 does not allow there (a `\` a browser would read as a
    ///   path, a space, a `@`), rather than guess where the host begins.
    package init(userinfo: ArraySlice<UInt8>) throws(HTTPURLError) {
        guard userinfo.allSatisfy(Self.isUserinfoByte) else { throw .invalid("invalid character in user info") }
        let colon = userinfo.firstIndex(of: ASCII.colon)
        user = PercentEncoding.decoded(userinfo[..<(colon ?? userinfo.endIndex)])
        password = colon.map { PercentEncoding.decoded(userinfo[($0 + 1)...]) }
    }

    /// Never the secret, whoever prints or dumps it.
    public var description: String { "***" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// `Basic base64(user:password)`; `user:` without a password, as curl sends it.
    public var basicAuthorization: String {
        "Basic " + Base64.encode(user + [ASCII.colon] + (password ?? []))
    }

    /// `text`, a URL or what was meant as one, with the password of its userinfo replaced
    /// by `***` (the whole userinfo when it has no password: a token in the user field),
    /// how a URL with credentials is printed. A password with a raw `/`, `?` or `#` ends
    /// the authority early, so the line does not parse; such a line is hidden as far as
    /// its last `@` when what comes before its first `:` is a plain user name.
    public static func redactingPassword(in text: String) -> String {
        let start = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        let authority = text[start...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            guard let colon = authority[..<at].firstIndex(of: ":") else { return String(text[..<start]) + "***" + String(text[at...]) }
            return String(text[...colon]) + "***" + String(text[at...])
        }
        guard let at = text[start...].lastIndex(of: "@"), let colon = text[start..<at].firstIndex(of: ":"),
              !text[start..<colon].contains(where: { "/?#".contains($0) })
        else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }

    /// unreserved, pct-encoded, sub-delims and `:`.
    private static func isUserinfoByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "-._~%!$&'()*+,;=:".utf8.contains(byte)
        }
    }
}
