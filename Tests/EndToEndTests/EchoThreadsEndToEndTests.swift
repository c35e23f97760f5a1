import Foundation
import GreenletTestSupport
import Glibc
import Testing

/// `greenlet echo --threads N`: N hubs on N OS threads sharing one port.
extension EchoEndToEndTests {
    @Test("--threads 2 --port 0: one `listening on` line, 200 concurrent clients echoed, SIGTERM exits 0")
    func twoHubsShareThePort() throws {
        let (server, port) = try startEchoServer(threads: 2)
        defer { server.kill() }

        let payloads = distinctPayloads(200, upTo: 16 * 1024)
        let conversations = try payloads.map {
            Conversation(client: try TestClient(port: port), payload: $0, halfCloseAfterSending: true)
        }
        #expect(Conversation.runAll(conversations, within: 30), "not every conversation finished within 30 s")
        let failures = Conversation.echoFailures(conversations)
        #expect(failures.isEmpty, "\(failures.count) of 200 clients: \(failures.prefix(10).joined(separator: "; "))")

        // Idle connections spread over both hubs: SIGTERM must close every one of them.
        let idle = try (0..<10).map { index in
            let client = try TestClient(port: port)
            #expect(try client.echo([UInt8(index)]) == [UInt8(index)])
            return client
        }
        server.send(signal: SIGTERM)
        for (index, client) in idle.enumerated() {
            #expect(try client.receiveUntilEOF(within: 3) == [], "idle client \(index) should see EOF and no bytes")
        }
        let result = try server.waitForExit(within: 3)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(result.stdout == "listening on 127.0.0.1:\(port)\n", "\(result)")
    }

    @Test("--threads 3 on a fixed port: every hub binds it, echo works, SIGINT exits 0")
    func threeHubsOnAFixedPort() throws {
        let port = UInt16(try unusedPort())
        let (server, listeningPort) = try GreenletProcess.listening("echo", ["--threads", "3"], port: port)
        defer { server.kill() }
        #expect(listeningPort == port)

        let clients = try (0..<12).map { _ in try TestClient(port: port) }
        for (index, client) in clients.enumerated() {
            let payload = randomBytes(2048)
            #expect(echoMismatch(sent: payload, received: try client.echo(payload)) == nil, "client \(index)")
        }
        server.send(signal: SIGINT)
        let result = try server.waitForExit(within: 3)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(result.stdout == "listening on 127.0.0.1:\(port)\n", "\(result)")
    }

    @Test("--threads 2: SIGINT or SIGTERM sent as soon as `listening on` is printed exits 0",
          arguments: [SIGINT, SIGTERM])
    func signalRightAfterListeningWithTwoHubs(signal: Int32) throws {
        for attempt in 0..<10 {
            let (server, _) = try startEchoServer(threads: 2)
            defer { server.kill() }
            server.send(signal: signal)
            let result = try server.waitForExit(within: 3)
            try #require(result.termination == .exit(0), "attempt \(attempt): \(result)")
            #expect(result.stdout.components(separatedBy: "listening on").count == 2, "attempt \(attempt): \(result)")
        }
    }

    @Test("--threads 2 on a port already in use: exit 2, one `greenlet: error:` line, nothing on stdout")
    func twoHubsOnAPortInUse() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let second = try GreenletProcess.run(["echo", "--host", "127.0.0.1", "--port", String(port), "--threads", "2"], within: 10)
        #expect(second.termination == .exit(2), "\(second)")
        #expect(second.stdout == "")
        #expect(second.stderr == "greenlet: error: cannot listen on 127.0.0.1:\(port): address already in use\n", "\(second)")

        #expect(server.isRunning)
        let client = try TestClient(port: port)
        #expect(try client.echo([7, 0, 255]) == [7, 0, 255])
    }

    @Test("--threads outside 1...1024 is a usage error (exit 64)", arguments: ["0", "-1", "1025", "two"])
    func badThreadCounts(threads: String) throws {
        let result = try GreenletProcess.run(["echo", "--port", "0", "--threads", threads])
        #expect(result.termination == .exit(64), "\(result)")
        #expect(result.stderr.contains("--threads"), "\(result)")
        #expect(result.stdout == "", "\(result)")
    }
}
