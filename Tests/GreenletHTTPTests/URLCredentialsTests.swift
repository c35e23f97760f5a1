import GreenletHTTP
import Testing

@Suite struct URLCredentialsTests {
    @Test func userinfoIsKeptApartFromTheURLAndDecoded() throws {
        let url = try HTTPURL(parsing: "http://al%20ice:p%40ss:w%rd@example.com:8080/x?q")
        let credentials = try #require(url.credentials)
        #expect(credentials.user == Array("al ice".utf8))
        #expect(credentials.password == Array("p@ss:w%rd".utf8))
        #expect(url.host == "example.com" && url.port == 8080 && url.target == "/x?q")
        #expect(url.description == "http://example.com:8080/x?q")
        #expect(try HTTPURL(parsing: "http://example.com/").credentials == nil)
        #expect("\(credentials)" == "***" && !String(reflecting: credentials).contains("112"))
    }

    /// RFC 7617's example, and curl's `user:` for a user without a password.
    @Test func basicAuthorizationIsBase64OfUserColonPassword() throws {
        #expect(try HTTPURL(parsing: "http://Aladdin:open%20sesame@h/").credentials?.basicAuthorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        #expect(try HTTPURL(parsing: "http://user@h/").credentials?.basicAuthorization == "Basic dXNlcjo=")
        #expect(try HTTPURL(parsing: "http://:pw@h/").credentials?.basicAuthorization == "Basic OnB3")
    }

    @Test(arguments: [
        ("http://user:secret@h/x", "http://user:***@h/x"),
        ("https://u:p%40ss@[::1]:8443/a@b", "https://u:***@[::1]:8443/a@b"),
        ("https://ghp_TOKEN@api.example/", "https://***@api.example/"),
        ("http://user:p/ss@h/", "http://user:***@h/"),
        ("http://user:p?w#x@h/x", "http://user:***@h/x"),
        ("http://h/path:x@y", "http://h/path:x@y"),
        ("user:pw@h:1", "user:***@h:1"),
        ("not a url", "not a url"),
    ])
    func aPasswordIsPrintedAsStars(text: String, printed: String) {
        #expect(URLCredentials.redactingPassword(in: text) == printed)
    }
}
