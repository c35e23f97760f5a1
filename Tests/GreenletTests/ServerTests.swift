import Foundation
import Testing
@testable import Greenlet

@Suite("Server")
struct ServerTests {
    @Test func serveRunsAGreenThreadPerConnection() async throws {
        let replies = try await onHub { () async throws -> [String] in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let server = Server(listener: listener) { connection in
                while let line = try await connection.readLine() {
                    try await connection.sendAll(line.reversed() + [0x0A])
                }
            }
            let serving = spawn { try await server.run(signals: []) }
            let clients = (0..<20).map { i in
                spawn { () async throws -> String in
                    let connection = try await Connection.connect(host: "127.0.0.1", port: listener.localAddress.port)
                    try await connection.sendAll(Array("client \(i)\n".utf8))
                    return String(decoding: try await connection.readLine() ?? [], as: UTF8.self)
                }
            }
            let replies = try await joinAll(clients)
            server.shutdown(grace: 1)
            try await serving.value
            #expect(server.state == .stopped)
            return replies
        }
        #expect(replies == (0..<20).map { String("client \($0)".reversed()) })
    }

    @Test func shutdownClosesIdleConnectionsAndLetsBusyOnesFinish() async throws {
        let (idleSawEOF, busyReply, elapsed) = try await onHub { () async throws -> (Bool, [UInt8], Double) in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let server = Server(listener: listener) { connection in
                while true {
                    let request = try await connection.recv()
                    if request.isEmpty { return }
                    connection.isBusy = true
                    try await sleep(seconds: 0.2)  // a slow answer in progress
                    try await connection.sendAll(request)
                    connection.isBusy = false
                }
            }
            let serving = spawn { try await server.run(signals: []) }
            let port = listener.localAddress.port
            let idle = try await Connection.connect(host: "127.0.0.1", port: port)
            let busy = try await Connection.connect(host: "127.0.0.1", port: port)
            try await busy.sendAll([1, 2, 3])
            try await sleep(seconds: 0.05)
            let elapsed = try await measure {
                server.shutdown(grace: 5)
                try await serving.value
            }
            return (try await idle.recv().isEmpty, try await busy.recv(), elapsed)
        }
        #expect(idleSawEOF)
        #expect(busyReply == [1, 2, 3])
        #expect(elapsed < 2)
    }

    @Test func busyConnectionsAreKilledWhenTheGracePeriodEnds() async throws {
        let (elapsed, cleaned) = try await onHub { () async throws -> (Double, Bool) in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let cleaned = Shared(false)
            let server = Server(listener: listener) { connection in
                connection.isBusy = true
                defer { cleaned.value = true }
                try await sleep(seconds: 60)
            }
            let serving = spawn { try await server.run(signals: []) }
            let client = try await Connection.connect(host: "127.0.0.1", port: listener.localAddress.port)
            try await sleep(seconds: 0.05)
            let elapsed = try await measure {
                server.shutdown(grace: 0.2)
                try await serving.value
            }
            _ = client
            return (elapsed, cleaned.value)
        }
        #expect(elapsed < 2)
        #expect(cleaned)
    }
}

extension ServerTests {
    @Test func aShutdownBeforeRunMakesRunReturnAtOnce() async throws {
        let state = try await onHub { () async throws -> Server.State in
            let server = Server(listener: try Listener(host: "127.0.0.1", port: 0)) { _ in }
            server.shutdown(grace: 1)
            try await withTimeout(seconds: 5) { try await server.run(signals: []) }
            return server.state
        }
        #expect(state == .stopped)
    }
}

extension ServerTests {
    /// The README's echo server, verbatim but for the port.
    @Test func theReadmeEchoServerEchoes() async throws {
        let reply = try await onHub { () async throws -> [UInt8] in
            let probe = try Listener(host: "127.0.0.1", port: 0)
            let port = probe.localAddress.port
            probe.close()
            let server = spawn {
                try await serve(host: "127.0.0.1", port: port) { connection in
                    while true {
                        let bytes = try await connection.recv()
                        if bytes.isEmpty { return }
                        try await connection.sendAll(bytes)
                    }
                }
            }
            defer { server.kill() }
            await yieldNow()
            let client = try await Connection.connect(host: "127.0.0.1", port: port)
            try await client.sendAll(Array("hello, green world".utf8))
            return try await client.read(exactly: 18)
        }
        #expect(reply == Array("hello, green world".utf8))
    }
}

extension ServerTests {
    @Test func drainingNeverHandsHalfALineToTheHandler() async throws {
        let lines = try await onHub { () async throws -> [String] in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let seen = Shared<[String]>([])
            let server = Server(listener: listener) { connection in
                while let line = try await connection.readLine() {
                    seen.value.append(String(decoding: line, as: UTF8.self))
                }
            }
            let serving = spawn { try await server.run(signals: [], grace: 1) }
            let client = try await Connection.connect(host: "127.0.0.1", port: listener.localAddress.port)
            try await client.sendAll(Array("DELETE /tmp/a\nDELETE /tmp/important-fi".utf8))
            try await sleep(seconds: 0.05)
            server.shutdown(grace: 1)
            try await sleep(seconds: 0.01)
            try? await client.sendAll(Array("le.bak\n".utf8))
            try await serving.value
            return seen.value
        }
        #expect(lines == ["DELETE /tmp/a", "DELETE /tmp/important-file.bak"])
    }
}
