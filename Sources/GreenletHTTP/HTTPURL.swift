import Glibc

/// An absolute http or https URL, reduced to what a client needs: where to connect
/// (`host`, `port`), what to ask for (`target`) and what to name the origin (`authority`).
///
/// Stricter than a browser: what cannot be sent as written (an unbracketed IPv6 address,
/// a host byte a resolver might read differently, a userinfo byte RFC 3986 does not allow)
/// is refused, not guessed at. Credentials (`user:password@`) are kept apart, in
/// `credentials`, and never in `description`. Only the path and query are repaired, by percent-encoding, since servers send
/// `Location` values with spaces and raw UTF-8 in them.
public struct HTTPURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http, https

        /// The port a URL without one means, and which its authority leaves out.
        public var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public var scheme: Scheme
    /// A DNS name (lowercased), a dotted IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The explicit port, or the scheme's default.
    public var port: Int
    /// Path and query as sent in the request line: `/` when the URL has no path, dot
    /// segments removed, no fragment (a server never sees it), and bytes a request target
    /// cannot hold percent-encoded as UTF-8; existing `%XX` escapes are kept as they are.
    public var target: String
    /// The userinfo, decoded; nil when the URL has none.
    public var credentials: URLCredentials?

    /// The Host header value: an IPv6 address in brackets, the port only when not the default.
    public var authority: String {
        let name = host.utf8.contains(ASCII.colon) ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// Whether the host is an IP literal, for which TLS sends no server name (RFC 6066 §3).
    public var isIPAddress: Bool { Self.isAddress(host, family: AF_INET) || Self.isAddress(host, family: AF_INET6) }

    public var description: String { "\(scheme.rawValue)://\(authority)\(target)" }

    /// Parses an absolute http or https URL; whitespace around it is ignored.
    /// - Throws: `HTTPURLError.unsupportedScheme` for any other scheme (`ftp://x`,
    ///   `mailto:x`); `.invalid`, saying why, for anything else refused.
    public init(parsing text: String) throws(HTTPURLError) {
        let bytes = Self.trimmed(text)
        // A control byte could split a request or a log line. A space can only be in the
        // path or query, where it is encoded: anywhere else a later check refuses it.
        guard !bytes.contains(where: { $0 < ASCII.space || $0 == 0x7F }) else { throw .invalid("control character") }
        guard let colon = Self.schemeColon(bytes) else { throw .invalid("missing scheme") }
        // `localhost:8080/x` is a host and port without a scheme, not the scheme `localhost`.
        guard colon + 1 == bytes.count || !bytes[colon + 1].isDigit else { throw .invalid("missing scheme") }
        let name = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard let scheme = Scheme(rawValue: name) else { throw .unsupportedScheme(name) }
        guard bytes[(colon + 1)...].starts(with: [Self.slash, Self.slash]) else { throw .invalid("missing // after \(name):") }
        let start = colon + 3
        let end = bytes[start...].firstIndex { $0 == Self.slash || $0 == Self.question || $0 == Self.hash } ?? bytes.count
        self.scheme = scheme
        var authority = bytes[start..<end]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            credentials = try URLCredentials(userinfo: authority[..<at])
            authority = authority[(at + 1)...]
        }
        (host, port) = try Self.hostAndPort(authority, scheme: scheme)
        let reference = bytes[end...].prefix { $0 != Self.hash }
        let query = reference.firstIndex(of: Self.question) ?? reference.endIndex
        target = Self.encoded(Self.removingDotSegments(reference[..<query]) + reference[query...])
    }

    /// Resolves a reference, such as a `Location` value, against this URL (RFC 3986 §5.2):
    /// absolute, scheme-relative (`//host/p`), absolute-path (`/p`), relative-path
    /// (`a/b`, `../x`), query-only (`?q`), fragment-only or empty.
    /// - Throws: what `init(parsing:)` throws for the resolved URL.
    public func resolving(_ reference: String) throws(HTTPURLError) -> HTTPURL {
        let bytes = Self.trimmed(reference)
        let text = String(decoding: bytes, as: UTF8.self)
        if Self.schemeColon(bytes) != nil { return try HTTPURL(parsing: text) }
        let origin = "\(scheme.rawValue)://\(authority)"
        let path = target.prefix { $0 != "?" }
        switch bytes.first {
        case nil, Self.hash: return self
        case Self.slash where bytes.count > 1 && bytes[1] == Self.slash: return try HTTPURL(parsing: "\(scheme.rawValue):\(text)")
        case Self.slash: return try HTTPURL(parsing: origin + text)
        case Self.question: return try HTTPURL(parsing: origin + path + text)
        default:
            let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
            return try HTTPURL(parsing: origin + directory + text)
        }
    }

    private static let slash = UInt8(ascii: "/")
    private static let question = UInt8(ascii: "?")
    private static let hash = UInt8(ascii: "#")
    private static let dot = UInt8(ascii: ".")
    private static let percent = UInt8(ascii: "%")

    private static func trimmed(_ text: String) -> [UInt8] {
        let isSpace = { (byte: UInt8) in byte == ASCII.space || (ASCII.tab...ASCII.cr).contains(byte) }
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        return Array(bytes)
    }

    /// The index of the colon ending a leading `scheme:` (RFC 3986 §3.1), if there is one.
    private static func schemeColon(_ bytes: [UInt8]) -> Int? {
        guard let colon = bytes.firstIndex(of: ASCII.colon), colon > 0, bytes[0].isLetter else { return nil }
        let isSchemeByte = { (byte: UInt8) in byte.isLetter || byte.isDigit || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == dot }
        return bytes[1..<colon].allSatisfy(isSchemeByte) ? colon : nil
    }

    /// The host (lowercased) and port of an authority (RFC 3986 §3.2).
    private static func hostAndPort(_ authority: ArraySlice<UInt8>, scheme: Scheme) throws(HTTPURLError) -> (String, Int) {
        let host: ArraySlice<UInt8>
        var port: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw .invalid("unclosed [ in host") }
            host = authority[(authority.startIndex + 1)..<close]
            guard isAddress(String(decoding: host, as: UTF8.self), family: AF_INET6) else { throw .invalid("invalid ipv6 address") }
            let rest = authority[(close + 1)...]
            if let first = rest.first {
                guard first == ASCII.colon else { throw .invalid("unexpected characters after ipv6 address") }
                port = rest.dropFirst()
            }
        } else {
            let colon = authority.firstIndex(of: ASCII.colon)
            guard colon == authority.lastIndex(of: ASCII.colon) else { throw .invalid("ipv6 address must be in brackets") }
            host = authority[..<(colon ?? authority.endIndex)]
            port = colon.map { authority[($0 + 1)...] }
            try checkName(host)
        }
        guard let port else { return (String(decoding: host, as: UTF8.self).lowercased(), scheme.defaultPort) }
        guard let number = saturatingDecimal(port), (1...65535).contains(number) else { throw .invalid("port must be 1 to 65535") }
        return (String(decoding: host, as: UTF8.self).lowercased(), number)
    }

    /// Accepts a DNS name (letters, digits, `-`, `.`, `_`) or a dotted IPv4 address.
    private static func checkName(_ name: ArraySlice<UInt8>) throws(HTTPURLError) {
        guard !name.isEmpty else { throw .invalid("empty host") }
        guard !name.contains(percent) else { throw .invalid("percent-encoded host") }
        let isNameByte = { (byte: UInt8) in byte.isLetter || byte.isDigit || byte == UInt8(ascii: "-") || byte == dot || byte == UInt8(ascii: "_") }
        guard name.allSatisfy(isNameByte) else { throw .invalid("invalid character in host") }
        // Resolvers also read `127.1` and `0177.0.0.1` as addresses; only the plain form passes.
        if name.allSatisfy({ $0.isDigit || $0 == dot }) && !isAddress(String(decoding: name, as: UTF8.self), family: AF_INET) {
            throw .invalid("invalid ipv4 address")
        }
    }

    private static func isAddress(_ text: String, family: Int32) -> Bool {
        var address = in6_addr()  // room for either family
        return inet_pton(family, text, &address) == 1
    }

    /// An absolute path without `.` and `..` segments (RFC 3986 §5.2.4); `..` at the root
    /// stays at the root. An empty path becomes `/`.
    private static func removingDotSegments(_ path: ArraySlice<UInt8>) -> [UInt8] {
        var segments: [ArraySlice<UInt8>] = []
        var endsInDirectory = false
        // The path is empty or starts with "/", so the first piece is always empty.
        for segment in path.split(separator: slash, omittingEmptySubsequences: false).dropFirst() {
            let dots = segment.count <= 2 && segment.allSatisfy { $0 == dot } ? segment.count : 0
            endsInDirectory = dots > 0
            if dots == 2 {
                _ = segments.popLast()
            } else if dots == 0 {
                segments.append(segment)
            }
        }
        var out: [UInt8] = []
        for segment in segments {
            out.append(slash)
            out += segment
        }
        if endsInDirectory || out.isEmpty { out.append(slash) }
        return out
    }

    /// Percent-encodes what a request target cannot hold (RFC 9112 §3.2, RFC 3986 §2):
    /// controls, space, non-ASCII, `"<>\^`{|}`, and a `%` that starts no escape.
    private static func encoded(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() {
            let isEscape = byte == percent && index + 2 < bytes.count
                && PercentEncoding.decode(bytes[index + 1], bytes[index + 2]) != nil
            if byte.isVisibleASCII && !unsafeInTarget.contains(byte) && (byte != percent || isEscape) {
                out.append(byte)
            } else {
                PercentEncoding.appendEscape(byte, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let unsafeInTarget = Array(#""<>\^`{|}"#.utf8)
}

extension UInt8 {
    fileprivate var isLetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
}
