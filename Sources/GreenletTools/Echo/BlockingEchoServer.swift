import Foundation
import Glibc
import Greenlet

/// The echo servers `greenlet bench echo` sets beside the green one: blocking sockets, one
/// OS thread per connection, or one process per connection (this program again, in its
/// `--connection-on-stdin` role, the accepted socket as its stdin). No hub: every call
/// blocks its thread, which is what these models are.
public enum BlockingEchoServer {
    public enum Model: String, CaseIterable, Sendable {
        case threads
        case processes
    }

    /// Serves until the process is stopped.
    /// - Parameters:
    ///   - executable: this program, for `.processes`.
    ///   - listening: called once the socket listens, with its address.
    /// - Throws: `NetworkError` when it cannot listen.
    public static func run(
        model: Model, host: String, port: Int, executable: String,
        listening: (SocketAddress) -> Void
    ) throws {
        guard let address = SocketAddress(numericHost: host == "localhost" ? "127.0.0.1" : host, port: port) else {
            throw NetworkError.invalidAddress(host)
        }
        let listener = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw NetworkError(errno: errno, call: "socket") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockAddr({ bind(listener, $0, $1) }) == 0 else { throw NetworkError(errno: errno, call: "bind") }
        guard listen(listener, 1024) == 0 else { throw NetworkError(errno: errno, call: "listen") }
        listening(SocketAddress.of(listener, peer: false) ?? address)
        // Foundation reaps a child only while its `Process` lives.
        var children: [Process] = []
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EMFILE || errno == ENFILE { usleep(10_000) }
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            switch model {
            case .threads:
                if let thread = try? OSThread.start({ echo(client) }) {
                    pthread_detach(thread)
                } else {
                    close(client)
                }
            case .processes:
                let child = Process()
                child.executableURL = URL(fileURLWithPath: executable)
                child.arguments = ["echo", "--connection-on-stdin"]
                child.standardInput = FileHandle(fileDescriptor: client, closeOnDealloc: false)
                try? child.run()
                close(client)
                children.removeAll { !$0.isRunning }
                children.append(child)
            }
        }
    }

    /// Echoes `fd` with blocking reads and writes until the peer closes, then closes it.
    public static func echo(_ fd: Int32) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { send(fd, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                sent += written
            }
        }
    }
}
