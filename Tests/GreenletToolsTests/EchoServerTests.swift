import Foundation
import Greenlet
import Testing
@testable import GreenletTools

@Suite("EchoServer")
struct EchoServerTests {
    /// Runs an echo server and `clients` on one hub of its own thread.
    private func withEchoServer<T: Sendable>(_ clients: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try Hub.run {
                        let listener = try Listener(host: "127.0.0.1", port: 0)
                        let server = Server(listener: listener, handler: EchoServer.handle)
                        let serving = spawn { try await server.run(signals: []) }
                        defer { server.shutdown(grace: 0) }
                        let value = try await clients(listener.localAddress.port)
                        server.shutdown(grace: 1)
                        try await serving.value
                        return value
                    }
                })
            }.start()
        }
    }

    @Test func echoesBinaryPayloadsInOrderToConcurrentClients() async throws {
        let matches = try await withEchoServer { port in
            let clients = (0..<50).map { index in
                spawn { () async throws -> Bool in
                    let connection = try await Connection.connect(host: "127.0.0.1", port: port)
                    let payload = (0..<(1000 + index * 997)).map { UInt8(truncatingIfNeeded: $0 &* (index + 1)) }
                    let sender = spawn {
                        try await connection.sendAll(payload)
                        try connection.shutdownWrite()
                    }
                    var received: [UInt8] = []
                    while true {
                        let chunk = try await connection.recv()
                        if chunk.isEmpty { break }
                        received += chunk
                    }
                    try await sender.value
                    return received == payload
                }
            }
            return try await joinAll(clients)
        }
        #expect(matches.count == 50)
        #expect(matches.allSatisfy { $0 })
    }

    @Test func theLoadClientChecksEveryRoundTrip() async throws {
        // The server runs on a hub of its own thread; the load client runs its own hub.
        let started = DispatchSemaphore(value: 0)
        let running = UncheckedBox<(Hub, Server)?>(nil)
        Thread {
            try? Hub.run {
                let server = Server(listener: try Listener(host: "127.0.0.1", port: 0), handler: EchoServer.handle)
                running.value = (Hub.current!, server)
                started.signal()
                try await server.run(signals: [])
            }
        }.start()
        started.wait()
        let (hub, server) = try #require(running.value)
        defer { hub.execute { server.shutdown(grace: 0) } }
        let row = try EchoLoad.run(
            host: "127.0.0.1", port: server.listener.localAddress.port, connections: 8, messages: 50, size: 300
        )
        #expect(row.value("round_trips") == 400)
        #expect((row.value("round_trips_per_second") ?? 0) > 0)
        #expect((row.value("p99_us") ?? 0) >= (row.value("p50_us") ?? 0))
    }
}

final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
