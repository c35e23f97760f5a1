import Foundation
import Glibc
import Testing

/// SIGUSR1's table of live green threads, from the running binary.
@Suite("SIGUSR1 dump, end to end", .serialized, .timeLimit(.minutes(1)))
struct IntrospectionEndToEndTests {
    @Test("SIGUSR1 writes a table of the live green threads to stderr, and the server goes on")
    func sigusr1DumpsTheLiveGreenThreads() throws {
        let (server, port) = try GreenletProcess.listening("echo")
        defer { server.kill() }
        let client = try TestClient(port: port)
        try client.sendAll(Array("ping".utf8))
        #expect(try client.receive(exactly: 4) == Array("ping".utf8))

        server.send(signal: SIGUSR1)
        let stderr = try #require(server.waitForStderr(containing: "AGE\n", within: 5), "no table on stderr after SIGUSR1")
        let lines = stderr.split(separator: "\n").map(String.init)
        let title = try #require(lines.firstIndex { $0.hasPrefix("greenlet: hub ") })
        #expect(lines[title].hasSuffix(": 2 live green threads"))
        let rows = lines[(title + 2)...].prefix(2).map { $0.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) } }
        try #require(rows.count == 2 && rows.allSatisfy { $0.count == 5 }, "\(stderr)")
        #expect(rows[0][1] == "root")
        #expect(rows[0][3].hasPrefix("accept fd "))
        #expect(rows[1][1].hasPrefix("connection from 127.0.0.1:"))
        #expect(rows[1][2].hasPrefix("Greenlet/"))  // the server spawns a green thread per connection
        #expect(rows[1][3].hasPrefix("recv fd "))

        try client.sendAll(Array("pong".utf8))
        #expect(try client.receive(exactly: 4) == Array("pong".utf8))
        server.send(signal: SIGTERM)
        #expect(try server.waitForExit(within: 10).termination == .exit(0))
    }
}
