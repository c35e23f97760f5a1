import Foundation
import Testing
@testable import Greenlet

@Suite("Listener")
struct ListenerTests {
    @Test func portZeroReportsTheRealPort() async throws {
        let address = try await onHub { try Listener(host: "127.0.0.1", port: 0).localAddress }
        #expect(address.port > 0)
        #expect(address.description == "127.0.0.1:\(address.port)")
    }

    @Test func listensOnIPv6() async throws {
        let (description, reply) = try await onHub { () async throws -> (String, [UInt8]) in
            let listener = try Listener(host: "::1", port: 0)
            let server = spawn { try await listener.accept().sendAll([42]) }
            let client = try await Connection.connect(host: "::1", port: listener.localAddress.port)
            let reply = try await client.recv()
            try await server.value
            return (listener.localAddress.description, reply)
        }
        #expect(description.hasPrefix("[::1]:"))
        #expect(reply == [42])
    }

    @Test func aPortInUseIsReported() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            let first = try Listener(host: "127.0.0.1", port: 0)
            do {
                _ = try Listener(host: "127.0.0.1", port: first.localAddress.port)
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .addressInUse)
    }

    @Test func aHostThatIsNotAnAddressIsRefused() async throws {
        let error = try await onHub { () async throws -> NetworkError? in
            do {
                _ = try Listener(host: "example.com", port: 0)
                return nil
            } catch let error as NetworkError {
                return error
            }
        }
        #expect(error == .invalidAddress("example.com"))
    }

    @Test func killWhileInAcceptRunsCleanup() async throws {
        let (cleaned, eventsDelta) = try await onHub { () async throws -> (Bool, Int) in
            let hub = try #require(Hub.current)
            let before = hub.registeredEventCount
            let cleaned = Shared(false)
            let listener = try Listener(host: "127.0.0.1", port: 0)
            let acceptor = spawn {
                defer { cleaned.value = true }
                _ = try await listener.accept()
            }
            await yieldNow()
            acceptor.kill()
            _ = try? await acceptor.value
            listener.close()
            return (cleaned.value, hub.registeredEventCount - before)
        }
        #expect(cleaned)
        #expect(eventsDelta == 0)
    }
}
