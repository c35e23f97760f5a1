import Foundation
import Glibc
import Testing

/// `greenlet echo`, run as a real process and driven over loopback sockets.
@Suite("greenlet echo, end to end", .serialized, .timeLimit(.minutes(2)))
struct EchoEndToEndTests {
    /// Starts `greenlet echo --host 127.0.0.1 --port 0` (with `--threads` when not 1) and
    /// waits for its `listening on` line.
    func startEchoServer(threads: Int = 1, openFileLimit: Int? = nil) throws -> (server: GreenletProcess, port: UInt16) {
        try GreenletProcess.listening("echo", threads == 1 ? [] : ["--threads", String(threads)], openFileLimit: openFileLimit)
    }

    @Test("500 clients at once each get exactly their own bytes back")
    func manyConcurrentClients() throws {
        try raiseOpenFileLimit(atLeast: 2048)
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let payloads = distinctPayloads(500, upTo: 16 * 1024)

        // All 500 connections are open before any byte is sent, and stay open throughout.
        let clients = try payloads.map { _ in try TestClient(port: port) }
        let conversations = zip(clients, payloads).map {
            Conversation(client: $0, payload: $1, halfCloseAfterSending: true)
        }
        #expect(Conversation.runAll(conversations, within: 30), "not every conversation finished within 30 s")

        // Every client got exactly its own bytes, then EOF. (One line per failed client.)
        let failures = Conversation.echoFailures(conversations)
        #expect(failures.isEmpty, "\(failures.count) of 500 clients: \(failures.prefix(10).joined(separator: "; "))")
        #expect(server.isRunning)
    }

    @Test("a client that half-closes after 1 MiB gets all of it back, then EOF")
    func halfClose() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let payload = randomBytes(1024 * 1024)
        let conversation = Conversation(client: try TestClient(port: port), payload: payload, halfCloseAfterSending: true)
        #expect(Conversation.runAll([conversation], within: 20))

        #expect(conversation.error == nil)
        #expect(conversation.sent == payload.count)
        #expect(echoMismatch(sent: payload, received: conversation.received) == nil)
        #expect(conversation.sawEOF, "expected EOF from the server after the echo of a half-closed stream")
    }

    @Test("a client resetting mid-stream does not disturb another client or the server")
    func resetMidStream() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let healthy = try TestClient(port: port)
        let first = randomBytes(4096)
        #expect(echoMismatch(sent: first, received: try healthy.echo(first)) == nil)

        // The healthy client is mid-message: the first half of its next message is out.
        let message = randomBytes(8192)
        try healthy.sendAll(Array(message[..<4096]))

        // A rude client floods the server without reading (so the server is stuck writing
        // its echo back), then vanishes with a RST.
        let rude = try TestClient(port: port)
        let flooded = try rude.sendUntilBlocked(randomBytes(8 * 1024 * 1024))
        #expect(flooded > 0)
        usleep(200_000)
        rude.resetClose()
        usleep(200_000)

        // The healthy client finishes its message and carries on.
        try healthy.sendAll(Array(message[4096...]))
        #expect(echoMismatch(sent: message, received: try healthy.receive(exactly: message.count)) == nil)
        for round in 0..<20 {
            let payload = randomBytes(Int.random(in: 1...16 * 1024))
            #expect(echoMismatch(sent: payload, received: try healthy.echo(payload)) == nil, "healthy client, round \(round)")
        }

        #expect(server.isRunning)
        let newcomer = try TestClient(port: port)
        #expect(try newcomer.echo(Array("still here".utf8)) == Array("still here".utf8))
    }

    @Test("SIGTERM closes an idle connection and exits 0 within 3 s")
    func sigtermWithIdleConnection() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let idle = try TestClient(port: port)
        #expect(try idle.echo(Array("hello".utf8)) == Array("hello".utf8))  // accepted, nothing in flight

        let signalled = Date()
        server.send(signal: SIGTERM)
        #expect(try idle.receiveUntilEOF(within: 3) == [], "the idle connection should see EOF and no bytes")
        let result = try server.waitForExit(within: 3)
        #expect(Date().timeIntervalSince(signalled) < 3)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(result.stdout.hasPrefix("listening on 127.0.0.1:\(port)\n"))
    }

    @Test("SIGINT exits 0")
    func sigint() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let client = try TestClient(port: port)
        #expect(try client.echo(Array("hi".utf8)) == Array("hi".utf8))

        server.send(signal: SIGINT)
        let result = try server.waitForExit(within: 3)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(try client.receiveUntilEOF(within: 1) == [])
    }

    @Test("SIGINT or SIGTERM sent as soon as `listening on` is printed exits 0", arguments: [SIGINT, SIGTERM])
    func signalRightAfterListening(signal: Int32) throws {
        // What a script does: wait for the line, then stop the server. Twenty times over,
        // since a server that prints the line before it handles signals fails only sometimes.
        for attempt in 0..<20 {
            let (server, _) = try startEchoServer()
            defer { server.kill() }
            server.send(signal: signal)
            let result = try server.waitForExit(within: 3)
            try #require(result.termination == .exit(0), "attempt \(attempt): \(result)")
        }
    }

    @Test("a port already in use: exit 2, one `greenlet: error:` line, nothing on stdout")
    func portInUse() throws {
        let (server, port) = try startEchoServer()
        defer { server.kill() }

        let second = try GreenletProcess.run(["echo", "--host", "127.0.0.1", "--port", String(port)], within: 10)
        #expect(second.termination == .exit(2), "\(second)")
        #expect(second.stdout == "")
        #expect(second.stderrLines.count == 1, "\(second)")
        #expect(second.stderr.hasSuffix("\n"))
        #expect(second.stderr.hasPrefix("greenlet: error: "), "\(second)")
        #expect(second.stderr.lowercased().contains("address already in use"), "\(second)")

        #expect(server.isRunning, "the first server must not be disturbed")
        let client = try TestClient(port: port)
        #expect(try client.echo([0, 1, 2, 255]) == [0, 1, 2, 255])
    }

    @Test("command line: help, version, bad options, bad address")
    func commandLine() throws {
        let help = try GreenletProcess.run(["--help"])
        #expect(help.termination == .exit(0), "\(help)")
        #expect(help.stdout.contains("USAGE:"), "\(help)")
        #expect(help.stdout.contains("echo"), "\(help)")

        let echoHelp = try GreenletProcess.run(["echo", "--help"])
        #expect(echoHelp.termination == .exit(0), "\(echoHelp)")
        #expect(echoHelp.stdout.contains("USAGE:"), "\(echoHelp)")
        #expect(echoHelp.stdout.contains("--port"), "\(echoHelp)")
        #expect(echoHelp.stdout.contains("--host"), "\(echoHelp)")

        let version = try GreenletProcess.run(["--version"])
        #expect(version.termination == .exit(0), "\(version)")
        #expect(version.stdout.hasPrefix("greenlet "), "\(version)")
        #expect(version.stdout.split(separator: "\n").count == 1, "\(version)")

        let badPort = try GreenletProcess.run(["echo", "--port", "70000"])
        #expect(badPort.termination == .exit(64), "\(badPort)")
        #expect(badPort.stderr.contains("--port"), "\(badPort)")

        let badHost = try GreenletProcess.run(["echo", "--host", "not-an-address", "--port", "0"])
        #expect(badHost.termination == .exit(2), "\(badHost)")
        #expect(badHost.stdout == "", "\(badHost)")
        #expect(badHost.stderrLines.count == 1, "\(badHost)")
        #expect(badHost.stderr.hasPrefix("greenlet: error: "), "\(badHost)")
    }

    @Test("out of file descriptors: keeps serving, backs off instead of spinning, recovers")
    func fileDescriptorExhaustion() throws {
        let (server, port) = try startEchoServer(openFileLimit: 64)
        defer { server.kill() }
        let limits = try server.openFileLimits()
        try #require(limits.soft == "64" && limits.hard == "64", "the server must run with 64 open files at most, has \(limits)")

        // 20 clients, each proven accepted with one echo.
        let clients = try (0..<20).map { _ in try TestClient(port: port) }
        for (index, client) in clients.enumerated() {
            let payload = randomBytes(512)
            #expect(echoMismatch(sent: payload, received: try client.echo(payload)) == nil, "client \(index) before exhaustion")
        }

        // 100 more connections: more than the server can hold, so accept() hits EMFILE.
        var extras = try (0..<100).map { _ in try TestClient(startingConnectionTo: port) }
        let saturation = Date(timeIntervalSinceNow: 5)
        while try server.openFileCount() < 60 && Date() < saturation { usleep(20_000) }
        #expect(try server.openFileCount() >= 60, "the server should have filled its descriptor table")
        usleep(200_000)

        // For the next 2 s, the first 20 still echo, and the server barely uses the CPU.
        let cpuBefore = try server.cpuSeconds()
        let window = Date(timeIntervalSinceNow: 2)
        var rounds = 0
        while Date() < window && rounds < 100 {
            for (index, client) in clients.enumerated() {
                let payload = randomBytes(256)
                #expect(echoMismatch(sent: payload, received: try client.echo(payload)) == nil,
                        "client \(index) while out of descriptors, round \(rounds)")
            }
            rounds += 1
            usleep(100_000)
        }
        let cpuUsed = try server.cpuSeconds() - cpuBefore
        #expect(rounds >= 5)
        #expect(cpuUsed < 0.5, "server used \(cpuUsed) s of CPU in 2 s while out of descriptors: it spins")
        #expect(server.isRunning)

        // Free the descriptors: a new client is accepted and served within a few seconds.
        for extra in extras { extra.close() }
        extras.removeAll()
        let newcomer = try TestClient(port: port)
        let payload = randomBytes(1024)
        #expect(echoMismatch(sent: payload, received: try newcomer.echo(payload, within: 5)) == nil,
                "a new client should be served once descriptors are free")
        for (index, client) in clients.enumerated() {
            #expect(try client.echo([UInt8(index)]) == [UInt8(index)], "client \(index) after recovery")
        }
    }
}
