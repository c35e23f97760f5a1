import Foundation
import Glibc
import Testing
@testable import Greenlet

@Suite("ServerGroup", .timeLimit(.minutes(1)))
struct ServerGroupTests {
    @Test("two hubs share one port: every echo is right, both hubs accept, a shutdown reaches both",
          arguments: [false, true])
    func twoHubsServeOnePort(fixedPort: Bool) async throws {
        let accepts = AcceptCounter()
        let port = fixedPort ? try await freePort() : 0
        let group = ServerGroup(host: "127.0.0.1", port: port, threads: 2, grace: 1, signals: []) { connection in
            accepts.count()
            while true {
                let bytes = try await connection.recv()
                if bytes.isEmpty { return }
                try await connection.sendAll(bytes)
            }
        }
        let running = GroupThread(group)

        let (address, mismatches, idleSawEOF, refusedAfterwards, outcome) = try await onHub {
            () async throws -> (SocketAddress?, [Int], [Bool], Bool, Result<Void, any Error>?) in
            guard let address = try await blocking({ running.waitForListening(within: 10) }) else {
                return (nil, [], [], false, try await blocking { running.waitForEnd(within: 1) })
            }
            // 100 clients at once, each with bytes of its own, half-closing after them.
            let clients = (0..<100).map { index in
                spawn { () async throws -> Bool in
                    let connection = try await Connection.connect(host: "127.0.0.1", port: address.port)
                    let payload = (0..<(500 + index * 71)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                    try await connection.sendAll(payload)
                    try connection.shutdownWrite()
                    var received: [UInt8] = []
                    while true {
                        let chunk = try await connection.recv()
                        if chunk.isEmpty { break }
                        received += chunk
                    }
                    return received == payload
                }
            }
            let echoed = try await joinAll(clients)
            let mismatches = echoed.indices.filter { !echoed[$0] }
            // 20 idle connections, each proven accepted by one echo, left open.
            var idle: [Connection] = []
            for index in 0..<20 {
                let connection = try await Connection.connect(host: "127.0.0.1", port: address.port)
                try await connection.sendAll([UInt8(index)])
                _ = try await connection.read(exactly: 1)
                idle.append(connection)
            }
            group.shutdown()
            var idleSawEOF: [Bool] = []
            for connection in idle {
                idleSawEOF.append(try await withTimeout(seconds: 5) { try await connection.recv().isEmpty })
            }
            let outcome = try await blocking { running.waitForEnd(within: 10) }
            let refused: Bool
            do {
                _ = try await Connection.connect(host: "127.0.0.1", port: address.port)
                refused = false
            } catch NetworkError.connectionRefused {
                refused = true
            }
            return (address, mismatches, idleSawEOF, refused, outcome)
        }

        let listening = try #require(address, "the group never listened: \(String(describing: outcome))")
        if fixedPort { #expect(listening.port == port) }
        #expect(listening.description == "127.0.0.1:\(listening.port)")
        #expect(running.listeningCount == 1)
        #expect(mismatches.isEmpty, "clients with a wrong echo: \(mismatches)")
        #expect(idleSawEOF == Array(repeating: true, count: 20))
        let perHub = accepts.perThread
        #expect(perHub.values.reduce(0, +) == 120)
        #expect(perHub.count == 2, "accepts per hub thread: \(Array(perHub.values))")
        #expect(perHub.keys.contains(try #require(running.firstHubThread)), "the calling thread is the first hub")
        try #require(outcome).get()
        #expect(refusedAfterwards, "every hub's listener is closed once run returns")
    }

    @Test func aPortInUseFailsTheGroupWithTheAddress() async throws {
        // A listener without SO_REUSEPORT: no hub may share its port.
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(taken, $0, length) == 0 && listen(taken, 1) == 0 && getsockname(taken, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let group = ServerGroup(host: "127.0.0.1", port: port, threads: 2, signals: []) { _ in }
        let running = GroupThread(group)
        let outcome = try await onHub { try await blocking { running.waitForEnd(within: 10) } }

        #expect(throws: ServerGroupError.self) { try #require(outcome).get() }
        if case .failure(ServerGroupError.cannotListen(let host, let failedPort, let reason))? = outcome {
            #expect(host == "127.0.0.1" && failedPort == port)
            #expect(reason as? NetworkError == .addressInUse)
        }
        if case .failure(let error)? = outcome {
            #expect("\(error)" == "cannot listen on 127.0.0.1:\(port): address already in use")
        }
        #expect(running.listeningCount == 0)
    }

    @Test func aShutdownBeforeRunStopsEveryHubAtOnce() async throws {
        let group = ServerGroup(host: "127.0.0.1", port: 0, threads: 3, signals: []) { _ in }
        group.shutdown()
        let running = GroupThread(group)
        let outcome = try await onHub { try await blocking { running.waitForEnd(within: 10) } }
        try #require(outcome).get()
        #expect(running.listeningCount == 0)
    }

    @Test func oneThreadServesOnTheCallingThreadAlone() async throws {
        let accepts = AcceptCounter()
        let group = ServerGroup(host: "127.0.0.1", port: 0, threads: 1, signals: []) { connection in
            accepts.count()
            try await connection.sendAll(Array("hi".utf8))
        }
        let running = GroupThread(group)
        let (reply, outcome) = try await onHub { () async throws -> ([UInt8], Result<Void, any Error>?) in
            let address = try #require(try await blocking { running.waitForListening(within: 10) })
            let connection = try await Connection.connect(host: "127.0.0.1", port: address.port)
            let reply = try await connection.read(exactly: 2)
            group.shutdown()
            return (reply, try await blocking { running.waitForEnd(within: 10) })
        }
        #expect(reply == Array("hi".utf8))
        try #require(outcome).get()
        #expect(Array(accepts.perThread.keys) == [try #require(running.firstHubThread)])
    }
}

/// A port that was free a moment ago, for a group bound to a fixed port.
private func freePort() async throws -> Int {
    try await onHub {
        let probe = try Listener(host: "127.0.0.1", port: 0)
        defer { probe.close() }
        return probe.localAddress.port
    }
}

/// Connections accepted per hub thread, counted by the handler on whichever hub runs it.
private final class AcceptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [pthread_t: Int] = [:]

    func count() {
        lock.withLock { counts[pthread_self(), default: 0] += 1 }
    }

    var perThread: [pthread_t: Int] { lock.withLock { counts } }
}

/// Runs a group on an OS thread of its own, as the command line runs it on the main
/// thread; a test waits for it on a worker thread (`blocking`), never on a hub.
private final class GroupThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var address: SocketAddress?
    private var outcome: Result<Void, any Error>?
    private var listeningCalls = 0
    private var runThread: pthread_t?

    /// How many times `run` announced the group.
    var listeningCount: Int { condition.withLock { listeningCalls } }

    /// The thread that called `run`: the first hub's.
    var firstHubThread: pthread_t? { condition.withLock { runThread } }

    init(_ group: ServerGroup) {
        let thread = Thread { [self] in
            condition.withLock { runThread = pthread_self() }
            let outcome = Result {
                try group.run { address in
                    self.condition.withLock {
                        self.address = address
                        self.listeningCalls += 1
                        self.condition.broadcast()
                    }
                }
            }
            condition.withLock {
                self.outcome = outcome
                condition.broadcast()
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The address announced, or nil when `run` ended first or `seconds` passed.
    func waitForListening(within seconds: Double) -> SocketAddress? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return condition.withLock {
            while address == nil && outcome == nil && condition.wait(until: deadline) {}
            return address
        }
    }

    /// How `run` ended, or nil when it still runs after `seconds`.
    func waitForEnd(within seconds: Double) -> Result<Void, any Error>? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return condition.withLock {
            while outcome == nil && condition.wait(until: deadline) {}
            return outcome
        }
    }
}
