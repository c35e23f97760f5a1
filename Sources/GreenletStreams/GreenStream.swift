import Greenlet

/// A green thread's connection as a `ByteStream`: waits park the green thread on the hub,
/// each bounded by what is left of the deadline.
public final class GreenStream: ByteStream {
    public let connection: Connection
    public var deadline: UInt64?

    public init(_ connection: Connection, deadline: UInt64?) {
        self.connection = connection
        self.deadline = deadline
    }

    public func write(_ bytes: [UInt8]) async throws {
        let timeout = try secondsLeft()
        do {
            try await connection.sendAll(bytes, idleTimeout: timeout)
        } catch is TimeoutError {
            throw NetworkError.timedOut
        }
    }

    public func read(into bytes: inout [UInt8]) async throws -> Int {
        let timeout = try secondsLeft()
        do {
            return try await connection.recv(into: &bytes, timeout: timeout)
        } catch is TimeoutError {
            throw NetworkError.timedOut
        }
    }

    public func close() {
        connection.close()
    }
}
