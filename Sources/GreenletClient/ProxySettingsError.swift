/// Why a proxy setting cannot be used, as one lowercase line the CLI prints as a usage
/// error. `source` says where the value came from: `--proxy`, or the environment
/// variable's name as it was spelled (`https_proxy`, `HTTPS_PROXY`, …).
public enum ProxySettingsError: Error, Equatable, CustomStringConvertible {
    /// Not `[http://][user[:password]@]host[:port][/]`. `value` has its password masked,
    /// since a usage error ends up in terminals and CI logs.
    case invalidProxy(value: String, source: String, reason: String)
    /// A scheme other than http (lowercased): https and socks proxies are not implemented.
    case unsupportedScheme(String, source: String)

    /// Such as `invalid proxy 'x:y:z' (from https_proxy): ipv6 address must be in brackets`.
    public var description: String {
        switch self {
        case .invalidProxy(let value, let source, let reason): "invalid proxy '\(value)' (from \(source)): \(reason)"
        case .unsupportedScheme(let scheme, let source): "unsupported proxy scheme '\(scheme)' (from \(source)): only http:// proxies are supported"
        }
    }
}
