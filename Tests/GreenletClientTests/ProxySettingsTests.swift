import GreenletHTTP
import Testing
@testable import GreenletClient

@Suite("ProxySettings")
struct ProxySettingsTests {
    typealias Proxy = ProxySettings.Proxy

    /// The proxy `url` goes through under `--proxy proxy` (nil: no flag) and `environment`.
    func proxy(_ url: String, flag: String? = nil, _ environment: [String: String]) throws -> Proxy? {
        try ProxySettings(proxy: flag, environment: environment).proxy(for: HTTPURL(parsing: url))
    }

    @Test func theFlagBeatsTheEnvironmentForBothSchemes() throws {
        let environment = ["http_proxy": "envhttp:1", "https_proxy": "envhttps:2", "all_proxy": "envall:3"]
        #expect(try proxy("http://a.test/", flag: "flag.test:3128", environment) == Proxy(host: "flag.test", port: 3128))
        #expect(try proxy("https://a.test/", flag: "flag.test:3128", environment) == Proxy(host: "flag.test", port: 3128))
    }

    @Test func anEmptyFlagTurnsEveryProxyOff() throws {
        let environment = ["http_proxy": "envhttp:1", "https_proxy": "envhttps:2", "ALL_PROXY": "envall:3"]
        #expect(try proxy("http://a.test/", flag: "", environment) == nil)
        #expect(try proxy("https://a.test/", flag: "", environment) == nil)
    }

    @Test func eachSchemeReadsItsOwnVariable() throws {
        let environment = ["http_proxy": "plain.test:8080", "https_proxy": "secure.test:8443"]
        #expect(try proxy("http://a.test/", environment) == Proxy(host: "plain.test", port: 8080))
        #expect(try proxy("https://a.test/", environment) == Proxy(host: "secure.test", port: 8443))
    }

    @Test func uppercaseHTTPProxyIsIgnoredAsCurlDoes() throws {
        #expect(try proxy("http://a.test/", ["HTTP_PROXY": "cgi.test:1"]) == nil)
        #expect(try proxy("http://a.test/", ["HTTP_PROXY": "cgi.test:1", "ALL_PROXY": "all.test:2"]) == Proxy(host: "all.test", port: 2))
    }

    @Test func uppercaseHTTPSProxyIsReadAfterLowercase() throws {
        #expect(try proxy("https://a.test/", ["HTTPS_PROXY": "upper.test:1"]) == Proxy(host: "upper.test", port: 1))
        #expect(try proxy("https://a.test/", ["HTTPS_PROXY": "upper.test:1", "https_proxy": "lower.test:2"]) == Proxy(host: "lower.test", port: 2))
    }

    @Test func allProxyServesASchemeWithoutItsOwnVariable() throws {
        let environment = ["all_proxy": "lower.test:1", "ALL_PROXY": "upper.test:2", "https_proxy": "secure.test:3"]
        #expect(try proxy("http://a.test/", environment) == Proxy(host: "lower.test", port: 1))
        #expect(try proxy("https://a.test/", environment) == Proxy(host: "secure.test", port: 3))
        #expect(try proxy("http://a.test/", ["ALL_PROXY": "upper.test:2"]) == Proxy(host: "upper.test", port: 2))
    }

    @Test func anEmptyVariableCountsAsUnset() throws {
        #expect(try proxy("http://a.test/", ["http_proxy": ""]) == nil)
        #expect(try proxy("http://a.test/", ["http_proxy": "", "all_proxy": "all.test:1"]) == Proxy(host: "all.test", port: 1))
        #expect(try proxy("https://a.test/", ["https_proxy": "", "HTTPS_PROXY": "upper.test:2"]) == Proxy(host: "upper.test", port: 2))
        #expect(try proxy("http://a.test/", ["http_proxy": "p.test:1", "no_proxy": "", "NO_PROXY": "a.test"]) == nil)
    }

    @Test func noEnvironmentMeansNoProxy() throws {
        let settings = try ProxySettings(proxy: nil, environment: [:])
        #expect(settings.http == nil && settings.https == nil)
    }

    @Test(arguments: [
        ("http://proxy.test:3128", Proxy(host: "proxy.test", port: 3128)),
        ("HTTP://Proxy.Test:3128/", Proxy(host: "proxy.test", port: 3128)),
        ("proxy.test", Proxy(host: "proxy.test", port: 1080)),
        ("http://proxy.test", Proxy(host: "proxy.test", port: 1080)),
        ("http://proxy.test:80/ignored/path", Proxy(host: "proxy.test", port: 80)),
        ("  10.0.0.1:8080 ", Proxy(host: "10.0.0.1", port: 8080)),
        ("[::1]:3128", Proxy(host: "::1", port: 3128)),
        ("http://[::1]", Proxy(host: "::1", port: 1080)),
    ])
    func proxyURLsParseAsCurlReadsThem(text: String, expected: Proxy) throws {
        #expect(try proxy("http://a.test/", flag: text, [:]) == expected)
    }

    @Test(arguments: [
        ("http://user:secret@proxy.test:3128", "Basic dXNlcjpzZWNyZXQ="),
        ("u%40x:p%3Aw@proxy.test:3128", "Basic dUB4OnA6dw=="),  // u@x:p:w
        ("user@proxy.test:3128", "Basic dXNlcjo="),  // user:
        ("a%zz:b@c:d@proxy.test:3128", "Basic YSV6ejpiQGM6ZA=="),  // a%zz:b@c:d
    ])
    func credentialsBecomeABasicAuthorization(text: String, authorization: String) throws {
        #expect(try proxy("http://a.test/", flag: text, [:]) == Proxy(host: "proxy.test", port: 3128, authorization: authorization))
    }

    @Test(arguments: [
        // Names: the host itself and the names under it, in any case, never a mere suffix.
        ("example.com", "http://example.com/", true),
        ("example.com", "http://a.b.example.com/", true),
        (".example.com", "http://example.com/", true),
        (".example.com", "http://a.example.com/", true),
        ("example.com.", "http://a.example.com/", true),
        ("example.com", "http://badexample.com/", false),
        ("a.example.com", "http://example.com/", false),
        ("Example.COM", "http://www.example.com/", true),
        ("example.com:8080", "http://example.com:9090/", true),
        (" other.test , example.com ", "http://example.com/", true),
        ("other.test example.com", "http://example.com/", true),
        // The wildcard, only as the whole list.
        ("*", "http://anything.test/", true),
        (" * ", "http://anything.test/", true),
        ("other.test,*", "http://anything.test/", false),
        // Addresses and ranges match IP literals only; nothing is resolved.
        ("127.0.0.1", "http://127.0.0.1:8080/", true),
        ("127.0.0.1", "http://127.0.0.2/", false),
        ("127.0.0.1", "http://localhost/", false),
        ("localhost", "http://127.0.0.1/", false),
        ("127.0.0.0/8", "http://127.200.3.4/", true),
        ("127.0.0.0/8", "http://128.0.0.1/", false),
        ("10.1.0.0/17", "http://10.1.127.255/", true),
        ("10.1.0.0/17", "http://10.1.128.0/", false),
        ("0.0.0.0/0", "http://192.0.2.1/", true),
        ("10.0.0.0/33", "http://10.0.0.1/", false),
        ("::1", "http://[::1]/", true),
        ("[::1]", "http://[0:0::1]:8080/", true),
        ("[::1]:8080", "http://[::1]/", true),
        ("::1/128", "http://[::1]/", true),
        ("::1/128", "http://[::2]/", false),
        ("fd00::/8", "http://[fd12:3456::1]/", true),
        ("[fe80::]/10", "http://[febf::1]/", true),
        ("[fe80::]/10", "http://[fec0::1]/", false),
        ("127.0.0.0/8", "http://[::1]/", false),
    ])
    func noProxyExemptsTheHostsCurlWould(list: String, url: String, exempt: Bool) throws {
        let expected = exempt ? nil : Proxy(host: "proxy.test", port: 3128)
        #expect(try proxy(url, ["http_proxy": "proxy.test:3128", "no_proxy": list]) == expected)
    }

    @Test func noProxyAppliesToTheFlagAndBothSchemes() throws {
        #expect(try proxy("http://a.test/", flag: "proxy.test:3128", ["NO_PROXY": "a.test"]) == nil)
        #expect(try proxy("https://a.test/", flag: "proxy.test:3128", ["no_proxy": "a.test"]) == nil)
        #expect(try proxy("https://b.test/", flag: "proxy.test:3128", ["no_proxy": "a.test"]) == Proxy(host: "proxy.test", port: 3128))
    }

    @Test(arguments: [
        ("x:y:z", "https_proxy", ProxySettingsError.invalidProxy(value: "x:y:z", source: "https_proxy", reason: "ipv6 address must be in brackets"),
         "invalid proxy 'x:y:z' (from https_proxy): ipv6 address must be in brackets"),
        ("http://:3128", "--proxy", .invalidProxy(value: "http://:3128", source: "--proxy", reason: "empty host"),
         "invalid proxy 'http://:3128' (from --proxy): empty host"),
        ("proxy.test:99999", "ALL_PROXY", .invalidProxy(value: "proxy.test:99999", source: "ALL_PROXY", reason: "port must be 1 to 65535"),
         "invalid proxy 'proxy.test:99999' (from ALL_PROXY): port must be 1 to 65535"),
        ("http://user:secret@pro xy:1", "http_proxy", .invalidProxy(value: "http://user:***@pro xy:1", source: "http_proxy", reason: "invalid character in host"),
         "invalid proxy 'http://user:***@pro xy:1' (from http_proxy): invalid character in host"),
        ("://proxy.test", "HTTPS_PROXY", .invalidProxy(value: "://proxy.test", source: "HTTPS_PROXY", reason: "empty scheme"),
         "invalid proxy '://proxy.test' (from HTTPS_PROXY): empty scheme"),
        ("socks5://proxy.test:1080", "all_proxy", .unsupportedScheme("socks5", source: "all_proxy"),
         "unsupported proxy scheme 'socks5' (from all_proxy): only http:// proxies are supported"),
        ("HTTPS://proxy.test", "--proxy", .unsupportedScheme("https", source: "--proxy"),
         "unsupported proxy scheme 'https' (from --proxy): only http:// proxies are supported"),
    ])
    func badValuesNameThemselvesAndTheirSource(value: String, source: String, error: ProxySettingsError, text: String) {
        let flag = source == "--proxy" ? value : nil
        let environment = source == "--proxy" ? [:] : [source: value]
        #expect(throws: error) { try ProxySettings(proxy: flag, environment: environment) }
        #expect(error.description == text)
    }

    @Test func aBadVariableFailsEvenForASchemeNeverFetched() {
        #expect(throws: ProxySettingsError.unsupportedScheme("socks5", source: "https_proxy")) {
            try ProxySettings(proxy: nil, environment: ["http_proxy": "ok.test:1", "https_proxy": "socks5://x"])
        }
    }
}
