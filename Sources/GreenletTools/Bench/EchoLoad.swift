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
            let start = Measure.now()
            let clients = (0..<connections).map { index in
                spawn("echo client \(index)") {
                    try await client(index: index, host: host, port: port, messages: messages, size: size)
                }
            }
            let latencies = try await joinAll(clients).flatMap { $0 }
            return (latencies, Measure.seconds(since: start))
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

    /// One client: returns its round-trip latencies in microseconds.
    private static func client(index: Int, host: String, port: Int, messages: Int, size: Int) async throws -> [Double] {
        let connection = try await Connection.connect(host: host, port: port, timeout: 10)
        defer { connection.close() }
        var generator = SystemRandomNumberGenerator()
        var payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { reply.deallocate() }
        var latencies: [Double] = []
        latencies.reserveCapacity(messages)
        for message in 0..<messages {
            // Each message differs from the last, so a stale or misrouted reply shows.
            withUnsafeBytes(of: UInt64(message)) { stamp in
                for i in 0..<min(size, 8) { payload[i] = stamp[i] }
            }
            let start = Measure.now()
            try await connection.sendAll(payload)
            var received = 0
            while received < size {
                let count = try await connection.recv(into: UnsafeMutableRawBufferPointer(rebasing: reply[received...]))
                guard count > 0 else {
                    throw Failure(description: "connection \(index): server closed after \(received) of \(size) bytes")
                }
                received += count
            }
            latencies.append(Double(Measure.now() - start) / 1000)
            guard payload.withUnsafeBytes({ memcmp($0.baseAddress!, reply.baseAddress!, size) == 0 }) else {
                throw Failure(description: "connection \(index): message \(message) came back altered")
            }
        }
        return latencies
    }
}
