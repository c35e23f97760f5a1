import Foundation
import Greenlet

/// The green-thread load client of `greenlet bench echo`: closed-loop ping-pong on every
/// connection, each reply checked byte for byte.
public enum EchoLoad {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Drives `host:port` with `connections` clients, each making `messages` round trips
    /// of `size` bytes. Runs its own hub on the calling thread.
    /// - Throws: `Failure` when a reply differs from what was sent, `NetworkError` when a
    ///   connection fails.
    public static func run(host: String, port: Int, connections: Int, messages: Int, size: Int) throws -> BenchmarkReport.Row {
        let (latencies, seconds) = try Hub.run { () async throws -> ([Double], Double) in
            let start = StartLine(clients: connections)
            let latencies = Latencies()
            try await runClients(connections, named: "echo client") { index in
                latencies.values += try await client(index: index, host: host, port: port, messages: messages, size: size, start: start)
            }
            return (latencies.values, Measure.seconds(since: start.time))
        }
        let sorted = latencies.sorted()
        return BenchmarkReport.Row(mode: "target", figures: [
            ("round_trips", Double(sorted.count)),
            ("seconds", seconds),
            ("round_trips_per_second", Double(sorted.count) / seconds),
            ("p50_us", Measure.percentile(sorted, 0.5)),
            ("p99_us", Measure.percentile(sorted, 0.99)),
        ])
    }

    private final class Latencies: @unchecked Sendable {
        var values: [Double] = []
    }

    /// One client: returns its round-trip latencies in microseconds. The clock starts once
    /// every client has connected (a process-per-connection server spawns one per connect).
    private static func client(index: Int, host: String, port: Int, messages: Int, size: Int, start: StartLine) async throws -> [Double] {
        let connection = try await Connection.connect(host: host, port: port, timeout: 10)
        defer { connection.close() }
        var generator = SystemRandomNumberGenerator()
        var payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { reply.deallocate() }
        var latencies: [Double] = []
        latencies.reserveCapacity(messages)
        // Round trip -1 is a warm-up, not counted: it waits until the server really serves
        // this connection (a process per connection has to start first).
        for message in -1..<messages {
            if message == 0 {
                start.arrive()
                try await start.go.wait()
            }
            // Each message differs from the last, so a stale or misrouted reply shows.
            withUnsafeBytes(of: UInt64(bitPattern: Int64(message))) { stamp in
                for i in 0..<min(size, 8) { payload[i] = stamp[i] }
            }
            let sent = Measure.now()
            try await connection.sendAll(payload)
            var received = 0
            while received < size {
                let count = try await connection.recv(into: UnsafeMutableRawBufferPointer(rebasing: reply[received...]))
                guard count > 0 else {
                    throw Failure(description: "connection \(index): server closed after \(received) of \(size) bytes")
                }
                received += count
            }
            if message >= 0 { latencies.append(Double(Measure.now() - sent) / 1000) }
            guard payload.withUnsafeBytes({ memcmp($0.baseAddress!, reply.baseAddress!, size) == 0 }) else {
                throw Failure(description: "connection \(index): message \(message) came back altered")
            }
        }
        return latencies
    }
}
