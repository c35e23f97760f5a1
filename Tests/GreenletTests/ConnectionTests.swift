import Foundation
import Glibc
import Testing
@testable import Greenlet

@Suite("Connection")
struct ConnectionTests {
    @Test func recvReturnsWhatHasArrivedAtMostMax() async throws {
        let chunks = try await onHub { () async throws -> [[UInt8]] in
            let (client, server) = try await connectedPair()
            try await server.sendAll(Array("hello".utf8))
            var chunks = [try await client.recv(max: 3), try await client.recv(max: 3)]
            let late = spawn {
                try await sleep(seconds: 0.02)
                try await server.sendAll(Array("world".utf8))
                server.close()
            }
            chunks.append(try await client.recv(max: 100))
            chunks.append(try await client.recv(max: 100))
            try await late.value
            return chunks
        }
        #expect(chunks == [Array("hel".utf8), Array("lo".utf8), Array("world".utf8), []])
    }

    @Test func readLineSplitsOnTheDelimiterAcrossPartialReads() async throws {
        let lines = try await onHub { () async throws -> [String?] in
            let (client, server) = try await connectedPair()
            let writer = spawn {
                for piece in ["GET / HT", "TP/1.1\r", "\nHost: x\r\n\r\ntail"] {
                    try await server.sendAll(Array(piece.utf8))
                    try await sleep(seconds: 0.005)
                }
                try server.shutdownWrite()
            }
            var lines: [String?] = []
            for _ in 0..<5 {
                lines.append(try await client.readLine(delimiter: Array("\r\n".utf8)).map { String(decoding: $0, as: UTF8.self) })
            }
            try await writer.value
            return lines
        }
        #expect(lines == ["GET / HTTP/1.1", "Host: x", "", "tail", nil])
    }

    @Test func readLineRefusesALineOverMaxLength() async throws {
        let outcome = try await onHub { () async throws -> (String?, NetworkError?) in
            let (client, server) = try await connectedPair()
            try await server.sendAll(Array("short\n0123456789abcdef\n".utf8))
            let first = try await client.readLine(maxLength: 8).map { String(decoding: $0, as: UTF8.self) }
            do {
                _ = try await client.readLine(maxLength: 8)
                return (first, nil)
            } catch let error as NetworkError {
                return (first, error)
            }
        }
        #expect(outcome.0 == "short")
        #expect(outcome.1 == .lineTooLong(maxLength: 8))
    }

    @Test func readExactlyWaitsForEveryByteAndReportsAnEarlyEOF() async throws {
        let (exact, error) = try await onHub { () async throws -> ([UInt8], NetworkError?) in
            let (client, server) = try await connectedPair()
            try await server.sendAll([1, 2, 3])
            let writer = spawn {
                try await sleep(seconds: 0.01)
                try await server.sendAll([4, 5, 6, 7])
                server.close()
            }
            let exact = try await client.read(exactly: 5)
            try await writer.value
            do {
                _ = try await client.read(exactly: 10)
                return (exact, nil)
            } catch let error as NetworkError {
                return (exact, error)
            }
        }
        #expect(exact == [1, 2, 3, 4, 5])
        #expect(error == .unexpectedEOF(expected: 10, received: 2))
    }

    @Test func tenMebibytesEachWayAtOnceOnOneConnection() async throws {
        let size = 10 << 20
        let matched = try await onHub { () async throws -> [Bool] in
            let (client, server) = try await connectedPair()
            let up = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let down = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            let sends = [
                spawn { try await client.sendAll(up); try client.shutdownWrite() },
                spawn { try await server.sendAll(down); try server.shutdownWrite() },
            ]
            func drain(_ connection: Connection) -> GreenThread<[UInt8]> {
                spawn {
                    var received: [UInt8] = []
                    while true {
                        let chunk = try await connection.recv()
                        if chunk.isEmpty { return received }
                        received += chunk
                    }
                }
            }
            let atServer = drain(server)
            let atClient = drain(client)
            // Bounded (generously, for sanitizer builds): a lost edge fails, not hangs.
            return try await withTimeout(seconds: 120) {
                _ = try await joinAll(sends)
                return [try await atServer.value == up, try await atClient.value == down]
            }
        }
        #expect(matched == [true, true])
    }

    @Test func aPeerResetIsReported() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            let (client, server) = try await connectedPair()
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(server.fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            server.close()
            do {
                _ = try await client.recv()
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .connectionReset)
    }

    @Test func connectingToAClosedPortIsRefused() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let port = listener.localAddress.port
            listener.close()
            do {
                _ = try await Connection.connect(host: "127.0.0.1", port: port)
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .connectionRefused)
    }

    @Test func aConnectThatGetsNoAnswerTimesOut() async throws {
        let (error, elapsed) = try await onHub { () async throws -> (NetworkError?, Double) in
            // A listener that never accepts, with its backlog full, drops the next SYN.
            let listener = try Listener(host: "127.0.0.1", port: 0, backlog: 0)
            var held: [Connection] = []
            var caught: NetworkError?
            let elapsed = try await measure {
                for _ in 0..<8 {
                    do {
                        held.append(try await Connection.connect(host: "127.0.0.1", port: listener.localAddress.port, timeout: 0.3))
                    } catch let error as NetworkError {
                        caught = error
                        break
                    }
                }
            }
            return (caught, elapsed)
        }
        #expect(error == .timedOut)
        #expect(elapsed < 8 * 0.3 + 2)
    }

    @Test func connectResolvesLocalhost() async throws {
        let echoed = try await onHub { () async throws -> [UInt8] in
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let server = spawn {
                let connection = try await listener.accept()
                try await connection.sendAll(try await connection.read(exactly: 4))
            }
            let client = try await Connection.connect(host: "localhost", port: listener.localAddress.port, timeout: 5)
            try await client.sendAll(Array("ping".utf8))
            let reply = try await client.read(exactly: 4)
            try await server.value
            return reply
        }
        #expect(echoed == Array("ping".utf8))
    }

    @Test func killWhileInRecvRunsCleanupAndKeepsTheConnectionUsable() async throws {
        let (cleaned, reply, eventsDelta) = try await onHub { () async throws -> (Bool, [UInt8], Int) in
            let hub = try #require(Hub.current)
            let before = hub.registeredEventCount
            let (client, server) = try await connectedPair()
            let cleaned = Shared(false)
            let reader = spawn {
                defer { cleaned.value = true }
                _ = try await client.recv()
            }
            await yieldNow()
            reader.kill()
            _ = try? await reader.value
            try await server.sendAll([9])
            let reply = try await client.recv()
            client.close()
            server.close()
            return (cleaned.value, reply, hub.registeredEventCount - before)
        }
        #expect(cleaned)
        #expect(reply == [9])
        #expect(eventsDelta == 0)
    }

    @Test func closeWakesAReaderWithClosed() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            let (client, server) = try await connectedPair()
            defer { server.close() }
            let reader = spawn { () async throws -> NetworkError? in
                do {
                    _ = try await client.recv()
                    return nil
                } catch let error as NetworkError {
                    return error
                }
            }
            await yieldNow()
            client.close()
            return try await reader.value
        }
        #expect(error == .closed)
    }

    @Test func anUnknownHostIsReported() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            do {
                _ = try await Connection.connect(host: "no-such-host.invalid", port: 80, timeout: 10)
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .hostNotFound("no-such-host.invalid"))
    }
}

extension ConnectionTests {
    /// Data and a reset can arrive in one edge, reported by libevent as a plain read/write
    /// edge: the reader must still see the reset after the data, not wait forever.
    @Test func aResetThatArrivesWithDataIsReportedAfterIt() async throws {
        let outcome = try await onHub { () async throws -> String in
            let (client, server) = try await connectedPair()
            try await client.sendAll(Array("a request the server never reads\n".utf8))
            let answering = spawn {
                try await sleep(seconds: 0.01)
                try await server.sendAll(Array("bye".utf8))
                server.close()  // unread bytes: the kernel sends a reset after the data
            }
            do {
                return try await withTimeout(seconds: 2) {
                    let answer = try await client.recv()
                    var second = "end of stream"
                    do {
                        if !(try await client.recv()).isEmpty { second = "more data" }
                    } catch let error as NetworkError {
                        second = "\(error)"
                    }
                    try await answering.value
                    return "\(String(decoding: answer, as: UTF8.self)) then \(second)"
                }
            } catch is TimeoutError {
                return "stuck after the data"
            }
        }
        #expect(outcome == "bye then connection reset by peer")
    }
}

extension ConnectionTests {
    /// A reader that always finds data never waits; it must still let the others run.
    @Test func aReaderThatNeverWaitsStillLetsOthersRun() async throws {
        let ticksSeen = try await onHub { () async throws -> Int in
            let (client, server) = try await connectedPair()
            try await server.sendAll([UInt8](repeating: 7, count: 64 * 1024))
            server.close()
            try await sleep(seconds: 0.05)  // all of it is in the client's receive buffer now
            let ticks = Shared(0)
            let ticker = spawn {
                while !Task.isCancelled {
                    await yieldNow()
                    ticks.value += 1
                }
            }
            defer { ticker.kill() }
            var received = 0
            while received < 64 * 1024 {
                received += try await client.recv(max: 64).count  // always a full read
            }
            return ticks.value
        }
        // 1,024 reads that never wait: the ticker gets a turn every 64 of them.
        #expect(ticksSeen >= 8, "the other green thread ran \(ticksSeen) times")
    }

    @Test func sendFileStreamsARangeOfAFileWithItsHeaderFirst() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("greenlet-sendfile-\(getpid())").path
        let content = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try #require(FileManager.default.createFile(atPath: path, contents: Data(content)))
        defer { unlink(path) }
        let received = try await onHub { () async throws -> [UInt8] in
            let (client, server) = try await connectedPair()
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            let sender = spawn {
                try await server.sendAll(Array("HEAD\n".utf8), more: true)
                try await server.sendFile(fd, offset: 1000, count: content.count - 2000, idleTimeout: 5)
                server.close()
            }
            var received: [UInt8] = []
            while true {
                let chunk = try await client.recv()
                if chunk.isEmpty { break }
                received += chunk
            }
            try await sender.value
            return received
        }
        #expect(received.count == 5 + content.count - 2000)
        #expect(Array(received.prefix(5)) == Array("HEAD\n".utf8))
        #expect(Array(received.dropFirst(5)) == Array(content[1000..<(content.count - 1000)]))
    }

    @Test func aPeerThatTakesNoBytesTimesOutTheSendAfterItsIdleTimeout() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("greenlet-idle-\(getpid())").path
        try #require(FileManager.default.createFile(atPath: path, contents: Data(count: 32 << 20)))
        defer { unlink(path) }
        let (error, seconds) = try await onHub { () async throws -> ((any Error)?, Double) in
            let (client, server) = try await connectedPair()
            defer { client.close() }
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            var caught: (any Error)?
            let seconds = await measure {
                do { try await server.sendFile(fd, offset: 0, count: 32 << 20, idleTimeout: 0.2) } catch { caught = error }
            }
            return (caught, seconds)
        }
        #expect(error is TimeoutError)
        #expect(seconds >= 0.2 && seconds < 5)
    }

    @Test func recvIntoAnArrayReusesItAndTimesOut() async throws {
        let (first, second, timeout) = try await onHub { () async throws -> ([UInt8], [UInt8], TimeoutError?) in
            let (client, server) = try await connectedPair()
            var buffer = [UInt8](repeating: 0, count: 8)
            try await client.sendAll(Array("hello".utf8))
            let count = try await server.recv(into: &buffer, timeout: 5)
            let first = Array(buffer[..<count])
            try await client.sendAll(Array("0123456789".utf8))
            var second: [UInt8] = []
            while second.count < 10 {
                let more = try await server.recv(into: &buffer, timeout: 5)
                second += buffer[..<more]
            }
            var timeout: TimeoutError?
            do { _ = try await server.recv(into: &buffer, timeout: 0.05) } catch let error as TimeoutError { timeout = error }
            #expect(buffer.count == 8)
            return (first, second, timeout)
        }
        #expect(first == Array("hello".utf8))
        #expect(second == Array("0123456789".utf8))
        #expect(timeout == TimeoutError(seconds: 0.05))
    }
}

