import GreenletRedis
import Testing

@Suite("RedisURL")
struct RedisURLTests {
    @Test func everyPartIsRead() throws {
        let url = try RedisURL(parsing: "redis://al%40ice:p%3Ass@127.0.0.1:6390/frontier")
        #expect(url == RedisURL(host: "127.0.0.1", port: 6390, user: "al@ice", password: "p:ss", path: "frontier"))
        #expect(url.address == "127.0.0.1:6390")
        #expect(url.database == nil)
    }

    @Test func theDefaultsAreRedisOwn() throws {
        let url = try RedisURL(parsing: "redis://localhost")
        #expect(url == RedisURL(host: "localhost", port: 6379))
        #expect(try RedisURL(parsing: "redis://h:1/").path == nil)
    }

    @Test func aPasswordAloneAndANumericPath() throws {
        let url = try RedisURL(parsing: "redis://:secret@h:7000/3")
        #expect(url.user == nil)
        #expect(url.password == "secret")
        #expect(url.database == 3)
    }

    @Test func anIPv6HostIsBracketed() throws {
        let url = try RedisURL(parsing: "redis://[::1]:6381/room")
        #expect(url.host == "::1")
        #expect(url.port == 6381)
        #expect(url.address == "[::1]:6381")
    }

    @Test func thePasswordIsNeverPrinted() throws {
        let url = try RedisURL(parsing: "redis://bob:hunter2@h:6379/q")
        #expect(url.description == "redis://bob:***@h:6379/q")
        #expect(!"\(url)".contains("hunter2"))
    }

    @Test(arguments: [
        ("http://h:1/x", "invalid redis url: http://h:1/x (expected redis://HOST:PORT/NAME)"),
        ("redis://:6379/x", "invalid redis url: redis://:6379/x (no host)"),
        ("redis://h:0/x", "invalid redis url: redis://h:0/x (bad port '0')"),
        ("redis://h:65536", "invalid redis url: redis://h:65536 (bad port '65536')"),
        ("redis://h:port", "invalid redis url: redis://h:port (bad port 'port')"),
        ("redis://[::1:6379", "invalid redis url: redis://[::1:6379 (unclosed [ in host)"),
        ("redis://h/%zz", "invalid redis url: redis://h/%zz (bad percent escape)"),
    ])
    func badURLsSayWhat(text: String, message: String) {
        #expect(throws: RedisError.self) { try RedisURL(parsing: text) }
        do {
            _ = try RedisURL(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }
}
