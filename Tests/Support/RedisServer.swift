import Foundation
import Glibc
import GreenletRedis

/// A real `redis-server` (Debian's), started for a test on 127.0.0.1 at a free port and
/// stopped by its PID. Scripts/install-deps.sh installs it. No persistence, unless the
/// test restarts the server and needs its data back (`persistent`).
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    private var process: Process
    private let arguments: [String]
    private let directory: URL

    /// Starts the server and waits until it accepts connections (at most 10 s).
    /// - Parameters:
    ///   - arguments: more configuration, such as `["--requirepass", "secret"]`.
    ///   - persistent: every write goes to an append-only file first (fsync each), so
    ///     `restart` keeps the data.
    public init(port: Int? = nil, arguments: [String] = [], persistent: Bool = false) throws {
        self.port = try port ?? unusedPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("greenlet-redis-\(getpid())-\(self.port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.arguments = [
            "--port", String(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", persistent ? "yes" : "no", "--appendfsync", "always",
            "--dir", directory.path, "--daemonize", "no", "--loglevel", "warning",
        ] + arguments
        process = Process()
        try launch()
    }

    private func launch() throws {
        process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let process = process
        try withSignalsUnblocked { try process.run() }
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(port: port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw RedisServerFailure(reason: "redis-server on port \(port) did not start")
            }
            usleep(10_000)
        }
    }

    /// Stops the server as an administrator would (SIGTERM), leaves it down for `downtime`
    /// seconds, and starts it again on the same port and files.
    public func restart(after downtime: Double = 0) throws {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            try waitForExit(within: 10)
        }
        if downtime > 0 { usleep(useconds_t(downtime * 1e6)) }
        try launch()
    }

    /// The server's address as a URL with `path` (a frontier or room name).
    public func url(_ path: String = "") -> String {
        "redis://127.0.0.1:\(port)" + (path.isEmpty ? "" : "/" + path)
    }

    /// Kills the server (SIGKILL: nothing saved, as after a crash) and waits for it.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            try? waitForExit(within: 10)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// Polls rather than `Process.waitUntilExit`, which spins on a thread with no run loop.
    private func waitForExit(within seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else { throw RedisServerFailure(reason: "redis-server on port \(port) did not exit") }
            usleep(5_000)
        }
    }

    private static func executable() throws -> URL {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw RedisServerFailure(reason: "redis-server not found; run Scripts/install-deps.sh")
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs `body` on a hub of its own with a client connected to `server`, closed after.
public func withRedis<T: Sendable>(_ server: RedisServer, _ body: sending @escaping (RedisClient) async throws -> T) async throws -> T {
    let url = server.url()
    return try await onHub {
        let client = try await RedisClient.connect(RedisURL(parsing: url))
        defer { client.close() }
        return try await body(client)
    }
}

public struct RedisServerFailure: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
