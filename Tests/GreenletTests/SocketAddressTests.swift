import Glibc
import Testing
@testable import Greenlet

@Suite("SocketAddress")
struct SocketAddressTests {
    @Test func parsesAndPrintsNumericAddresses() throws {
        let v4 = try #require(SocketAddress(numericHost: "10.1.2.3", port: 80))
        #expect(v4.description == "10.1.2.3:80")
        #expect(v4.family == AF_INET)
        let v6 = try #require(SocketAddress(numericHost: "[::1]", port: 8088))
        #expect(v6.description == "[::1]:8088")
        #expect(v6.host == "::1")
        #expect(SocketAddress(numericHost: "localhost", port: 80) == nil)
        #expect(SocketAddress(numericHost: "1.2.3.4", port: 70000) == nil)
    }

    @Test func resolverFindsLocalhost() async throws {
        let hosts = try await onHub { try await Resolver.resolve(host: "localhost", port: 80).map(\.host) }
        #expect(hosts.contains("127.0.0.1") || hosts.contains("::1"))
    }
}
