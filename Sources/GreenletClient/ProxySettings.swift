import Glibc
import GreenletHTTP

/// Which proxy a fetch goes through, if any: the `--proxy` flag, else the environment as
/// curl reads it, less the hosts `no_proxy` exempts. Parsing and matching only; the dialer
/// does the talking.
///
/// curl's rules are kept, so a crawl goes where the curl command it replaces would go:
/// - `http_proxy` is read in lowercase only: a CGI script receives a request's `Proxy:`
///   header as `HTTP_PROXY` ("httpoxy"), so that name may hold an attacker's value.
/// - `https_proxy`, `all_proxy` and `no_proxy` are read lowercase first, then uppercase;
///   `all_proxy` serves a scheme with no variable of its own.
/// - An empty variable counts as unset, while `--proxy ""` turns every proxy off.
/// - `no_proxy` exempts its hosts from the `--proxy` flag too.
///
/// Every value is checked up front, even one for a scheme the crawl never fetches, so a
/// typo fails the command before its first request instead of at some later one.
public struct ProxySettings: Sendable, Equatable {
    /// An HTTP proxy: an http request goes to it in absolute form, an https one through a
    /// CONNECT tunnel.
    public struct Proxy: Sendable, Hashable {
        /// A DNS name (lowercased), a dotted IPv4 address, or an IPv6 address without brackets.
        public var host: String
        /// The proxy URL's port, else 1080 as in curl (even after `http://`).
        public var port: Int
        /// The `Proxy-Authorization` value, `Basic base64(user:password)`, when the proxy URL
        /// carries credentials.
        public var authorization: String?

        public init(host: String, port: Int, authorization: String? = nil) {
            self.host = host
            self.port = port
            self.authorization = authorization
        }
    }

    /// The proxy for http URLs, before `no_proxy` exempts any host.
    public let http: Proxy?
    /// The proxy for https URLs, before `no_proxy` exempts any host.
    public let https: Proxy?
    private let exemptions: NoProxy

    /// - Parameters:
    ///   - proxy: the `--proxy` value, which stands for both schemes; nil when not given.
    ///   - environment: the process environment.
    /// - Throws: `ProxySettingsError` for the first value that is not an http proxy URL.
    public init(proxy: String?, environment: [String: String]) throws(ProxySettingsError) {
        func variable(_ names: String...) -> (name: String, value: String)? {
            names.lazy.compactMap { name in environment[name].flatMap { $0.isEmpty ? nil : (name, $0) } }.first
        }
        if let proxy {
            let both = proxy.isEmpty ? nil : try Proxy(parsing: proxy, source: "--proxy")
            (http, https) = (both, both)
        } else {
            http = try Proxy(variable("http_proxy", "all_proxy", "ALL_PROXY"))
            https = try Proxy(variable("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"))
        }
        exemptions = NoProxy(variable("no_proxy", "NO_PROXY")?.value ?? "")
    }

    /// The proxy a request for `url` goes through, or nil to connect directly.
    public func proxy(for url: HTTPURL) -> Proxy? {
        guard let proxy = url.scheme == .http ? http : https, !exemptions.contains(url.host) else { return nil }
        return proxy
    }
}

extension ProxySettings.Proxy {
    fileprivate init?(_ variable: (name: String, value: String)?) throws(ProxySettingsError) {
        guard let variable else { return nil }
        try self.init(parsing: variable.value, source: variable.name)
    }

    /// Parses `[http://][user[:password]@]host[:port][/path]` as curl does: no scheme means
    /// http, the path is ignored, and the credentials are percent-decoded (a `%` that starts
    /// no escape stands for itself).
    fileprivate init(parsing value: String, source: String) throws(ProxySettingsError) {
        let start = value.firstIndex { !$0.isWhitespace } ?? value.endIndex
        let text = value[start..<(value.lastIndex { !$0.isWhitespace }.map(value.index(after:)) ?? start)]
        var rest = text
        if let separator = text.firstRange(of: "://") {
            let scheme = text[..<separator.lowerBound].lowercased()
            guard !scheme.isEmpty else { throw .invalidProxy(value: String(text), source: source, reason: "empty scheme") }
            guard scheme == "http" else { throw .unsupportedScheme(scheme, source: source) }
            rest = text[separator.upperBound...]
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let at = authority.lastIndex(of: "@")
        let hostAndPort = at.map { authority[authority.index(after: $0)...] } ?? authority
        let url: HTTPURL
        do {
            url = try HTTPURL(parsing: "http://\(hostAndPort)")
        } catch {
            let reason = if case .invalid(let why) = error { why } else { error.description }
            throw .invalidProxy(value: URLCredentials.redactingPassword(in: String(text)), source: source, reason: reason)
        }
        // HTTPURL fills in port 80, so whether the text named one is read from the text.
        let portColon = hostAndPort.lastIndex(of: ":")
        let hasPort = portColon.map { colon in hostAndPort.lastIndex(of: "]").map { colon > $0 } ?? true } ?? false
        host = url.host
        port = hasPort ? url.port : 1080
        authorization = at.map { "Basic " + Base64.encode(Self.credentials(authority[..<$0])) }
    }

    /// `user:password` from a userinfo, decoded; curl sends `user:` when there is no password.
    private static func credentials(_ userinfo: Substring) -> [UInt8] {
        let colon = userinfo.firstIndex(of: ":")
        let password = colon.map { userinfo[userinfo.index(after: $0)...] } ?? ""
        return PercentEncoding.decoded(Array(userinfo[..<(colon ?? userinfo.endIndex)].utf8)[...]) + [UInt8(ascii: ":")]
            + PercentEncoding.decoded(Array(password.utf8)[...])
    }
}

/// The hosts `no_proxy` exempts, matched as curl 7.86+ matches them (lib/noproxy.c): a name
/// matches itself and every name under it (a leading or trailing dot changes nothing, and
/// `example.com` never matches `badexample.com`); an address or CIDR range, IPv6 ones bare
/// or in brackets, matches the IP literals in it; `*` as the only entry matches everything.
/// Nothing is resolved, so a name never matches an address. Beyond curl, an entry's `:port`
/// is dropped: curl never compares ports, so the entry means its host on every port. An
/// entry that is neither name nor address (`10.0.0.0/33`) matches nothing, as in curl.
private struct NoProxy: Sendable, Equatable {
    private enum Entry: Sendable, Equatable {
        case domain(String)
        /// An address's bytes and how many leading bits of them a host must share.
        case network([UInt8], bits: Int)
    }

    private let matchesAll: Bool
    private let entries: [Entry]

    init(_ list: String) {
        let tokens = list.split { $0 == "," || $0.isWhitespace }
        matchesAll = tokens == ["*"]
        entries = tokens.compactMap(Self.entry)
    }

    func contains(_ host: String) -> Bool {
        if matchesAll { return true }
        if let address = ipAddress(host) {
            return entries.contains { entry in
                guard case .network(let network, let bits) = entry, network.count == address.count else { return false }
                return Self.sharePrefix(address, network, bits: bits)
            }
        }
        let name = host.lowercased().hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
        return entries.contains { entry in
            guard case .domain(let domain) = entry else { return false }
            return name == domain || name.hasSuffix("." + domain)
        }
    }

    private static func entry(_ token: Substring) -> Entry? {
        let token = Substring(token.lowercased())
        let slash = token.firstIndex(of: "/")
        var head = token[..<(slash ?? token.endIndex)]
        if head.first == "[", let close = head.firstIndex(of: "]") {
            head = head[head.index(after: head.startIndex)..<close]
        } else if let colon = head.firstIndex(of: ":"), colon == head.lastIndex(of: ":") {
            head = head[..<colon]
        }
        if let address = ipAddress(String(head)) {
            var bits = address.count * 8
            if let slash {
                guard let prefix = Int(token[token.index(after: slash)...]), (0...bits).contains(prefix) else { return nil }
                bits = prefix
            }
            return .network(address, bits: bits)
        }
        guard slash == nil else { return nil }
        if head.hasPrefix(".") { head = head.dropFirst() }
        if head.hasSuffix(".") { head = head.dropLast() }
        return head.isEmpty ? nil : .domain(String(head))
    }

    private static func sharePrefix(_ address: [UInt8], _ network: [UInt8], bits: Int) -> Bool {
        let whole = bits / 8
        guard address.prefix(whole) == network.prefix(whole) else { return false }
        guard bits % 8 > 0 else { return true }
        let mask = UInt8(0xFF) << (8 - bits % 8)
        return address[whole] & mask == network[whole] & mask
    }
}

/// The bytes of an IPv4 or IPv6 literal (4 or 16, network order); nil for a name.
private func ipAddress(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
    return nil
}
