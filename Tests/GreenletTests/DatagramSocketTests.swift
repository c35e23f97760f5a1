import Foundation
import Glibc
import Testing
@testable import Greenlet

@Suite("DatagramSocket")
struct DatagramSocketTests {
    @Test func aRoundTripOnLoopbackCarriesTheBytesAndTheSender() async throws {
        let (request, reply, senders, addresses) = try await onHub { () async throws -> ([UInt8], [UInt8], [SocketAddress], [SocketAddress]) in
            let client = try DatagramSocket(host: "127.0.0.1")
            let server = try DatagramSocket(host: "127.0.0.1")
            try await client.send(Array("ping".utf8), to: server.localAddress)
            let (request, from) = try await server.receive()
            try await server.send([0, 1, 0xFF], to: from)
            let (reply, replier) = try await client.receive()
            return (request, reply, [from, replier], [client.localAddress, server.localAddress])
        }
        #expect(request == Array("ping".utf8))
        #expect(reply == [0, 1, 0xFF])
        #expect(addresses.allSatisfy { $0.host == "127.0.0.1" && $0.port > 0 })
        #expect(senders == addresses)
        #expect(senders[0].description == "127.0.0.1:\(addresses[0].port)")
    }

    @Test func aRoundTripOnIPv6Loopback() async throws {
        let outcome = try await onHub { () async throws -> ([UInt8], String, String)? in
            let client: DatagramSocket, server: DatagramSocket
            do {
                client = try DatagramSocket(host: "::1")
                server = try DatagramSocket(host: "::1")
            } catch NetworkError.addressNotAvailable, NetworkError.system(call: "socket", errno: EAFNOSUPPORT) {
                return nil
            }
            try await client.send([6, 6], to: server.localAddress)
            let (bytes, from) = try await server.receive()
            return (bytes, from.description, client.localAddress.description)
        }
        guard let (bytes, sender, client) = outcome else { try Test.cancel("no IPv6 loopback on this machine") }
        #expect(bytes == [6, 6])
        #expect(sender.hasPrefix("[::1]:"))
        #expect(sender == client)
    }

    @Test func localhostAndPortZeroBindLoopbackOnARealPort() async throws {
        let address = try await onHub { try DatagramSocket(host: "localhost").localAddress }
        #expect(address.host == "127.0.0.1")
        #expect(address.port > 0)
    }

    @Test func aReceiveWaitsUntilADatagramComes() async throws {
        let (bytes, elapsed) = try await onHub { () async throws -> ([UInt8], Double) in
            let receiver = try DatagramSocket(host: "127.0.0.1")
            let sender = try DatagramSocket(host: "127.0.0.1")
            let late = spawn {
                try await sleep(seconds: 0.05)
                try await sender.send([1, 2, 3], to: receiver.localAddress)
            }
            var bytes: [UInt8] = []
            let elapsed = try await measure { bytes = try await receiver.receive().bytes }
            try await late.value
            return (bytes, elapsed)
        }
        #expect(bytes == [1, 2, 3])
        #expect(elapsed >= 0.04)
    }

    @Test func aReceiveUnderATimeoutThrowsAndLeavesTheSocketUsable() async throws {
        let (error, after) = try await onHub { () async throws -> (TimeoutError?, [UInt8]) in
            let receiver = try DatagramSocket(host: "127.0.0.1")
            let sender = try DatagramSocket(host: "127.0.0.1")
            var caught: TimeoutError?
            do {
                _ = try await withTimeout(seconds: 0.05) { try await receiver.receive() }
            } catch let error as TimeoutError {
                caught = error
            }
            try await sender.send([5], to: receiver.localAddress)
            return (caught, try await receiver.receive().bytes)
        }
        #expect(error == TimeoutError(seconds: 0.05))
        #expect(after == [5])
    }

    /// UDP drops what the receive buffer cannot hold, so the sender waits for an
    /// acknowledgement every 50 datagrams; within a window loopback loses nothing.
    @Test func aThousandDatagramsArriveInOrder() async throws {
        let (count, window) = (1_000, 50)
        let received = try await onHub { () async throws -> [UInt32] in
            let receiver = try DatagramSocket(host: "127.0.0.1")
            let sender = try DatagramSocket(host: "127.0.0.1")
            return try await withTimeout(seconds: 10) {
                let reading = spawn { () async throws -> [UInt32] in
                    var numbers: [UInt32] = []
                    while numbers.count < count {
                        let (bytes, from) = try await receiver.receive()
                        numbers.append(bytes.reduce(0) { $0 << 8 | UInt32($1) })
                        if numbers.count % window == 0 { try await receiver.send([1], to: from) }
                    }
                    return numbers
                }
                for n in 0..<count {
                    try await sender.send(withUnsafeBytes(of: UInt32(n).bigEndian, Array.init), to: receiver.localAddress)
                    if (n + 1) % window == 0 { _ = try await sender.receive() }
                }
                return try await reading.value
            }
        }
        #expect(received == (0..<UInt32(count)).map { $0 })
    }

    @Test func anEmptyDatagramArrivesAsEmpty() async throws {
        let (datagrams, fromSender) = try await onHub { () async throws -> ([[UInt8]], Bool) in
            let receiver = try DatagramSocket(host: "127.0.0.1")
            let sender = try DatagramSocket(host: "127.0.0.1")
            try await sender.send([], to: receiver.localAddress)
            try await sender.send([7], to: receiver.localAddress)
            let (empty, from) = try await receiver.receive()
            let next = try await receiver.receive().bytes
            return ([empty, next], from == sender.localAddress)
        }
        #expect(datagrams == [[], [7]])
        #expect(fromSender)
    }

    @Test func aDatagramLongerThanMaxIsCutAndItsRestDiscarded() async throws {
        let (cut, next, intoBuffer) = try await onHub { () async throws -> ([UInt8], [UInt8], [String]) in
            let receiver = try DatagramSocket(host: "127.0.0.1")
            let sender = try DatagramSocket(host: "127.0.0.1")
            for datagram: [UInt8] in [Array(0..<10), [42], Array(10..<20), [1, 2, 3]] {
                try await sender.send(datagram, to: receiver.localAddress)
            }
            let cut = try await receiver.receive(max: 4).bytes
            let next = try await receiver.receive(max: 4).bytes
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 1)
            defer { buffer.deallocate() }
            var results: [String] = []
            for _ in 0..<2 {
                let result = try await receiver.receive(into: buffer)
                let fromSender = result.sender == sender.localAddress
                results.append("\(Array(buffer.prefix(result.count))) truncated: \(result.truncated) from sender: \(fromSender)")
            }
            return (cut, next, results)
        }
        #expect(cut == [0, 1, 2, 3])
        #expect(next == [42])
        #expect(intoBuffer == [
            "[10, 11, 12, 13] truncated: true from sender: true",
            "[1, 2, 3] truncated: false from sender: true",
        ])
    }

    @Test func aDatagramTooLargeForUDPIsRefused() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            let socket = try DatagramSocket(host: "127.0.0.1")
            do {
                try await socket.send([UInt8](repeating: 1, count: 70_000), to: socket.localAddress)
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .system(call: "sendto", errno: EMSGSIZE))
    }

    @Test func closeWakesAParkedReceiverWithClosed() async throws {
        let errors = try await onHub { () async throws -> [NetworkError?] in
            let socket = try DatagramSocket(host: "127.0.0.1")
            let receiver = spawn { () async throws -> NetworkError? in
                do {
                    _ = try await socket.receive()
                    return nil
                } catch let error as NetworkError {
                    return error
                }
            }
            await yieldNow()
            socket.close()
            let parked = try await receiver.value
            do {
                try await socket.send([1], to: socket.localAddress)
                return [parked, nil]
            } catch let error as NetworkError {
                return [parked, error]
            }
        }
        #expect(errors == [.closed, .closed])
    }

    @Test func aKilledReceiverEndsWithCancellationErrorAndLeavesTheSocketUsable() async throws {
        let (cancelled, after, eventsDelta) = try await onHub { () async throws -> (Bool, [UInt8], Int) in
            let hub = try #require(Hub.current)
            let before = hub.registeredEventCount
            let socket = try DatagramSocket(host: "127.0.0.1")
            let receiver = spawn { _ = try await socket.receive() }
            await yieldNow()
            receiver.kill()
            var cancelled = false
            do {
                try await receiver.value
            } catch is CancellationError {
                cancelled = true
            }
            try await socket.send([8], to: socket.localAddress)
            let after = try await socket.receive().bytes
            socket.close()
            return (cancelled, after, hub.registeredEventCount - before)
        }
        #expect(cancelled)
        #expect(after == [8])
        #expect(eventsDelta == 0)
    }

    @Test func aHostThatIsNotAnAddressOrABadPortIsRefused() async throws {
        let errors = try await onHub { () async throws -> [NetworkError?] in
            [("example.com", 0), ("127.0.0.1", 70_000)].map { host, port in
                do {
                    _ = try DatagramSocket(host: host, port: port)
                    return nil
                } catch {
                    return error as? NetworkError
                }
            }
        }
        #expect(errors == [.invalidAddress("example.com"), .invalidAddress("port 70000")])
    }

    /// The example of docs/library.md, on a free port.
    @Test func theLibraryGuideEchoExample() async throws {
        let reply = try await onHub { () async throws -> [UInt8] in
            let socket = try DatagramSocket(host: "127.0.0.1", port: 0)
            let echo = spawn {
                while true {
                    let (bytes, sender) = try await socket.receive(max: 2048)
                    try await socket.send(bytes, to: sender)
                }
            }
            defer { echo.kill() }
            let client = try DatagramSocket(host: "127.0.0.1")
            try await client.send(Array("ping".utf8), to: socket.localAddress)
            let (reply, _) = try await withTimeout(seconds: 1) { try await client.receive() }
            return reply
        }
        #expect(reply == Array("ping".utf8))
    }
}
