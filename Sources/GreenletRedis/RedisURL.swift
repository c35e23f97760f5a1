import GreenletHTTP

/// `redis://[user:password@]host[:port][/path]`, as redis-cli and every client library
/// read it. The path is a database number for the client (`/2`); the tools use it as the
/// name of their frontier or room instead (`redis://127.0.0.1:6379/crawl`).
public struct RedisURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Percent-decoded; nil without user info. A password alone (`redis://:pw@host`) is
    /// the `default` user's, as for AUTH with one argument.
    public var user: String?
    public var password: String?
    /// The path without its leading `/`, percent-decoded; nil when there is none.
    public var path: String?

    public static let defaultPort = 6379

    public init(host: String, port: Int = RedisURL.defaultPort, user: String? = nil, password: String? = nil, path: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.path = path
    }

    /// - Throws: `RedisError.invalidURL`, saying what is wrong.
    public init(parsing text: String) throws(RedisError) {
        guard text.hasPrefix("redis://") else {
            throw .invalidURL("\(text) (expected redis://HOST:PORT/NAME)")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        if let slash = rest.firstIndex(of: "/") {
            let path = try Self.decode(rest[rest.index(after: slash)...], in: text)
            self.path = path.isEmpty ? nil : path
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                let user = try Self.decode(info[..<colon], in: text)
                self.user = user.isEmpty ? nil : user
                password = try Self.decode(info[info.index(after: colon)...], in: text)
            } else {
                user = try Self.decode(info, in: text)
            }
        }
        let portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL("\(text) (unclosed [ in host)") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .invalidURL("\(text) (bad host)") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
            portText = nil
        }
        guard !host.isEmpty else { throw .invalidURL("\(text) (no host)") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw .invalidURL("\(text) (bad port '\(portText)')")
            }
            self.port = port
        } else {
            port = Self.defaultPort
        }
    }

    /// The database a numeric path selects; nil for any other path.
    public var database: Int? { path.flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }

    /// `host:port`, as errors name the server (IPv6 in brackets).
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The URL with the password replaced by `***`, safe to print.
    public var description: String {
        var text = "redis://"
        if user != nil || password != nil {
            text += user ?? ""
            if password != nil { text += ":***" }
            text += "@"
        }
        text += address
        if let path { text += "/" + path }
        return text
    }

    private static func decode(_ part: Substring, in text: String) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = part.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let decoded = PercentEncoding.decode(iterator.next(), iterator.next()) else {
                throw .invalidURL("\(text) (bad percent escape)")
            }
            bytes.append(decoded)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
