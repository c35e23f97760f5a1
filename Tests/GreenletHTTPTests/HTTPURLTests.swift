import GreenletHTTP
import Testing

@Suite("HTTPURL")
struct HTTPURLTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String
        let scheme: HTTPURL.Scheme
        let host: String
        let port: Int
        let target: String
        let authority: String
        let description: String
        let isIPAddress: Bool
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "http://example.com", scheme: .http, host: "example.com", port: 80, target: "/",
              authority: "example.com", description: "http://example.com/", isIPAddress: false),
        Valid(text: "https://example.com/a/b?x=1&y=2", scheme: .https, host: "example.com", port: 443, target: "/a/b?x=1&y=2",
              authority: "example.com", description: "https://example.com/a/b?x=1&y=2", isIPAddress: false),
        Valid(text: "HTTP://Example.COM/Path", scheme: .http, host: "example.com", port: 80, target: "/Path",
              authority: "example.com", description: "http://example.com/Path", isIPAddress: false),
        Valid(text: "HtTpS://WWW.Example.com:443/", scheme: .https, host: "www.example.com", port: 443, target: "/",
              authority: "www.example.com", description: "https://www.example.com/", isIPAddress: false),
        Valid(text: "http://example.com:443/", scheme: .http, host: "example.com", port: 443, target: "/",
              authority: "example.com:443", description: "http://example.com:443/", isIPAddress: false),
        Valid(text: "https://example.com:80/", scheme: .https, host: "example.com", port: 80, target: "/",
              authority: "example.com:80", description: "https://example.com:80/", isIPAddress: false),
        Valid(text: "http://127.0.0.1:8080/x", scheme: .http, host: "127.0.0.1", port: 8080, target: "/x",
              authority: "127.0.0.1:8080", description: "http://127.0.0.1:8080/x", isIPAddress: true),
        Valid(text: "http://[::1]/", scheme: .http, host: "::1", port: 80, target: "/",
              authority: "[::1]", description: "http://[::1]/", isIPAddress: true),
        Valid(text: "https://[2001:DB8::1]:8443/p", scheme: .https, host: "2001:db8::1", port: 8443, target: "/p",
              authority: "[2001:db8::1]:8443", description: "https://[2001:db8::1]:8443/p", isIPAddress: true),
        Valid(text: "http://h:65535", scheme: .http, host: "h", port: 65535, target: "/",
              authority: "h:65535", description: "http://h:65535/", isIPAddress: false),
        Valid(text: "http://my_host-1.local:1/", scheme: .http, host: "my_host-1.local", port: 1, target: "/",
              authority: "my_host-1.local:1", description: "http://my_host-1.local:1/", isIPAddress: false),
        Valid(text: "http://1.2.3.4.example/", scheme: .http, host: "1.2.3.4.example", port: 80, target: "/",
              authority: "1.2.3.4.example", description: "http://1.2.3.4.example/", isIPAddress: false),
        Valid(text: "http://h/a%2Fb%20c%zz/100%", scheme: .http, host: "h", port: 80, target: "/a%2Fb%20c%25zz/100%25",
              authority: "h", description: "http://h/a%2Fb%20c%25zz/100%25", isIPAddress: false),
        Valid(text: "http://h/a b?c d", scheme: .http, host: "h", port: 80, target: "/a%20b?c%20d",
              authority: "h", description: "http://h/a%20b?c%20d", isIPAddress: false),
        Valid(text: "http://h/caf\u{e9}/\"<>\\^`{|}", scheme: .http, host: "h", port: 80, target: "/caf%C3%A9/%22%3C%3E%5C%5E%60%7B%7C%7D",
              authority: "h", description: "http://h/caf%C3%A9/%22%3C%3E%5C%5E%60%7B%7C%7D", isIPAddress: false),
        Valid(text: "http://h/page?q=1#section 2", scheme: .http, host: "h", port: 80, target: "/page?q=1",
              authority: "h", description: "http://h/page?q=1", isIPAddress: false),
        Valid(text: "http://h#top", scheme: .http, host: "h", port: 80, target: "/",
              authority: "h", description: "http://h/", isIPAddress: false),
        Valid(text: "http://h?q=1", scheme: .http, host: "h", port: 80, target: "/?q=1",
              authority: "h", description: "http://h/?q=1", isIPAddress: false),
        Valid(text: "http://h/a/./b/../c/?x=/../y", scheme: .http, host: "h", port: 80, target: "/a/c/?x=/../y",
              authority: "h", description: "http://h/a/c/?x=/../y", isIPAddress: false),
        Valid(text: "http://h/../../x", scheme: .http, host: "h", port: 80, target: "/x",
              authority: "h", description: "http://h/x", isIPAddress: false),
        Valid(text: " \t http://h/x \r\n", scheme: .http, host: "h", port: 80, target: "/x",
              authority: "h", description: "http://h/x", isIPAddress: false),
    ]

    @Test(arguments: valid)
    func parses(_ expected: Valid) throws {
        let url = try HTTPURL(parsing: expected.text)
        #expect(url.scheme == expected.scheme)
        #expect(url.host == expected.host)
        #expect(url.port == expected.port)
        #expect(url.target == expected.target)
        #expect(url.authority == expected.authority)
        #expect(url.description == expected.description)
        #expect(url.isIPAddress == expected.isIPAddress)
        // What a URL prints parses back to the same URL.
        #expect(try HTTPURL(parsing: url.description) == url)
    }

    static let invalid: [(String, HTTPURLError)] = [
        ("ftp://example.com/file", .unsupportedScheme("ftp")),
        ("FILE:///etc/passwd", .unsupportedScheme("file")),
        ("mailto:someone@example.com", .unsupportedScheme("mailto")),
        ("mailto://someone@example.com", .unsupportedScheme("mailto")),
        ("javascript:alert(1)", .unsupportedScheme("javascript")),
        ("", .invalid("missing scheme")),
        ("   ", .invalid("missing scheme")),
        ("not a url", .invalid("missing scheme")),
        ("example.com/x", .invalid("missing scheme")),
        ("localhost:8080/x", .invalid("missing scheme")),
        ("//example.com/x", .invalid("missing scheme")),
        ("http:example.com", .invalid("missing // after http:")),
        ("https:/example.com", .invalid("missing // after https:")),
        ("http://", .invalid("empty host")),
        ("http:///x", .invalid("empty host")),
        ("http://:80/", .invalid("empty host")),
        ("http://?q", .invalid("empty host")),
        ("http://us er:pass@example.com/", .invalid("invalid character in user info")),
        ("http://user:pa\\ss@example.com/", .invalid("invalid character in user info")),
        ("http://user:pass@/", .invalid("empty host")),
        ("http://h:0/", .invalid("port must be 1 to 65535")),
        ("http://h:65536/", .invalid("port must be 1 to 65535")),
        ("http://h:99999999999999999999999/", .invalid("port must be 1 to 65535")),
        ("http://h:abc/", .invalid("port must be 1 to 65535")),
        ("http://h:/", .invalid("port must be 1 to 65535")),
        ("http://h:+80/", .invalid("port must be 1 to 65535")),
        ("http://h:80 /", .invalid("port must be 1 to 65535")),
        ("http://::1/", .invalid("ipv6 address must be in brackets")),
        ("http://2001:db8::1:8080/", .invalid("ipv6 address must be in brackets")),
        ("http://[::1/", .invalid("unclosed [ in host")),
        ("http://[]/", .invalid("invalid ipv6 address")),
        ("http://[::g]/", .invalid("invalid ipv6 address")),
        ("http://[fe80::1%25eth0]/", .invalid("invalid ipv6 address")),
        ("http://[127.0.0.1]/", .invalid("invalid ipv6 address")),
        ("http://[::1]x/", .invalid("unexpected characters after ipv6 address")),
        ("http://[::1]:0/", .invalid("port must be 1 to 65535")),
        ("http://999.1.1.1/", .invalid("invalid ipv4 address")),
        ("http://1.2.3/", .invalid("invalid ipv4 address")),
        ("http://1.2.3.4.5/", .invalid("invalid ipv4 address")),
        ("http://127.1/", .invalid("invalid ipv4 address")),
        ("http://0177.0.0.1/", .invalid("invalid ipv4 address")),
        ("http://1.2.3.4./", .invalid("invalid ipv4 address")),
        ("http://ex%61mple.com/", .invalid("percent-encoded host")),
        ("http://exa mple.com/", .invalid("invalid character in host")),
        ("http://example.com\\@evil.com/", .invalid("invalid character in user info")),
        ("http://example.com\\evil/", .invalid("invalid character in host")),
        ("http://ex!ample.com/", .invalid("invalid character in host")),
        ("http://b\u{fc}cher.de/", .invalid("invalid character in host")),
        ("http://h/a\tb", .invalid("control character")),
        ("http://h/a\r\nHost: evil", .invalid("control character")),
        ("http://h/\u{7f}", .invalid("control character")),
        ("http://h/#\u{0}", .invalid("control character")),
    ]

    @Test(arguments: invalid)
    func refuses(_ text: String, _ error: HTTPURLError) {
        #expect(throws: error) { try HTTPURL(parsing: text) }
    }

    @Test func errorsReadAsOneLowercaseLine() {
        #expect(HTTPURLError.invalid("").description == "invalid url")
        #expect(HTTPURLError.invalid("empty host").description == "invalid url: empty host")
        #expect(HTTPURLError.unsupportedScheme("ftp").description == "unsupported scheme ftp")
    }

    /// RFC 3986 §5.4.1 (all normal examples) and §5.4.2 (abnormal ones), without the
    /// fragments a request never carries.
    static let resolved: [(String, String)] = [
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q"),
        ("g#s", "http://a/b/c/g"),
        ("g?y#s", "http://a/b/c/g?y"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g"),
        ("g#s/../x", "http://a/b/c/g"),
        // Locations servers send.
        ("https://Other.example:8443/x?y#z", "https://other.example:8443/x?y"),
        ("HTTPS://other.example/", "https://other.example/"),
        ("//other.example:81/p", "http://other.example:81/p"),
        ("//[::1]/p", "http://[::1]/p"),
        ("  /spaced path  ", "http://a/spaced%20path"),
        ("caf\u{e9}", "http://a/b/c/caf%C3%A9"),
        ("/x%2Fy", "http://a/x%2Fy"),
    ]

    @Test(arguments: resolved)
    func resolves(_ reference: String, _ expected: String) throws {
        let base = try HTTPURL(parsing: "http://a/b/c/d;p?q")
        #expect(try base.resolving(reference).description == expected)
    }

    @Test func resolvingKeepsTheBaseOriginAndScheme() throws {
        let base = try HTTPURL(parsing: "https://[2001:db8::1]:8443/dir/page")
        #expect(try base.resolving("other").description == "https://[2001:db8::1]:8443/dir/other")
        #expect(try base.resolving("//h/x").description == "https://h/x")
        #expect(try base.resolving("?q=1").description == "https://[2001:db8::1]:8443/dir/page?q=1")
        #expect(try base.resolving("/").port == 8443)
    }

    @Test func resolvedReferencesAreCheckedLikeParsedOnes() throws {
        let base = try HTTPURL(parsing: "http://a/b/c/d;p?q")
        #expect(throws: HTTPURLError.unsupportedScheme("g")) { try base.resolving("g:h") }
        #expect(throws: HTTPURLError.unsupportedScheme("ftp")) { try base.resolving("ftp://a/x") }
        #expect(throws: HTTPURLError.invalid("missing // after http:")) { try base.resolving("http:g") }
        #expect(throws: HTTPURLError.invalid("invalid character in user info")) { try base.resolving("//u\\@h/") }
        #expect(throws: HTTPURLError.invalid("empty host")) { try base.resolving("///x") }
        #expect(throws: HTTPURLError.invalid("control character")) { try base.resolving("/x\ny") }
    }

    @Test func authorityFollowsHostAndPort() throws {
        var url = try HTTPURL(parsing: "http://h/")
        url.port = 8080
        url.host = "::1"
        #expect(url.authority == "[::1]:8080")
        #expect(url.isIPAddress)
        url.host = "h"
        #expect(!url.isIPAddress)
        url.scheme = .https
        #expect(url.description == "https://h:8080/")
    }
}
