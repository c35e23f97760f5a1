@testable import GreenletTLS
import GreenletTestSupport
import Testing

@Suite("TLSSession")
struct TLSSessionTests {
    let certificates: TestCertificates
    let server: TLSContext

    init() throws {
        certificates = try TestCertificates.shared()
        server = try TLSContext.server(certificateFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
    }

    private func pair(serverName: String?, caFile: String? = nil, verify: Bool = true) throws -> SessionPair {
        let client = try TLSContext.client(caFile: caFile ?? certificates.caFile, verify: verify)
        return try SessionPair(client: client, server: server, serverName: serverName)
    }

    @Test func trustedChainCarriesDataBothWays() throws {
        let pair = try pair(serverName: "localhost")
        try pair.handshake()
        #expect(pair.server.requestedServerName == "localhost")
        #expect(try SessionPair.send(Array("ping".utf8), from: pair.client, to: pair.server) == Array("ping".utf8))
        #expect(try SessionPair.send(Array("pong".utf8), from: pair.server, to: pair.client) == Array("pong".utf8))
    }

    @Test func largeWriteArrivesIntact() throws {
        let pair = try pair(serverName: "localhost")
        try pair.handshake()
        // A block whose length is prime, so no record boundary lines up with it and a lost,
        // repeated or reordered record changes the bytes.
        let block = (0..<65_521).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        var payload: [UInt8] = []
        while payload.count < 5 * 1024 * 1024 { payload += block }
        payload.removeLast(payload.count - 5 * 1024 * 1024)
        #expect(try SessionPair.send(payload, from: pair.server, to: pair.client) == payload)
        #expect(try SessionPair.send(payload, from: pair.client, to: pair.server) == payload)
    }

    @Test func unknownIssuerFailsVerification() throws {
        let pair = try pair(serverName: "localhost", caFile: certificates.otherCAFile)
        #expect {
            try pair.handshake()
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("tls: certificate verify failed (") && text.contains("issuer")
        }
        // The client's alert tells the server why.
        SessionPair.pump(from: pair.client, to: pair.server)
        #expect {
            _ = try pair.server.handshake()
        } throws: { error in
            "\(error)".hasPrefix("tls: handshake failed: ") && "\(error)".contains("unknown ca")
        }
    }

    @Test func wrongHostNameFailsVerification() throws {
        let pair = try pair(serverName: "example.com")
        #expect {
            try pair.handshake()
        } throws: { error in
            "\(error)" == "tls: host name mismatch (certificate is not for example.com)"
        }
    }

    @Test("an address literal is checked against the certificate's IP entries and sends no SNI",
          arguments: ["127.0.0.1", "::1"])
    func addressLiteralVerifiesAgainstIPEntries(address: String) throws {
        let pair = try pair(serverName: address)
        try pair.handshake()
        #expect(pair.server.requestedServerName == nil)
    }

    @Test func addressNotInCertificateFailsVerification() throws {
        let pair = try pair(serverName: "127.0.0.2")
        #expect {
            try pair.handshake()
        } throws: { error in
            "\(error)" == "tls: host name mismatch (certificate is not for 127.0.0.2)"
        }
    }

    @Test func verificationOffAcceptsAnyIssuer() throws {
        let pair = try pair(serverName: "example.com", caFile: certificates.otherCAFile, verify: false)
        try pair.handshake()
        #expect(try SessionPair.send(Array("ok".utf8), from: pair.client, to: pair.server) == Array("ok".utf8))
    }

    @Test func closeNotifyReadsAsClosed() throws {
        let pair = try pair(serverName: "localhost")
        try pair.handshake()
        #expect(try read(pair.server) == .needsInput)
        pair.client.close()
        pair.client.close()
        SessionPair.pump(from: pair.client, to: pair.server)
        #expect(try read(pair.server) == .closed)
    }

    @Test func endOfStreamWithoutCloseNotifyReadsAsClosed() throws {
        let pair = try pair(serverName: "localhost")
        try pair.handshake()
        try Array("last".utf8).withUnsafeBytes { try pair.server.write($0) }
        SessionPair.pump(from: pair.server, to: pair.client)
        pair.client.feedEndOfStream()
        #expect(try SessionPair.readAvailable(pair.client) == Array("last".utf8))
        #expect(try read(pair.client) == .closed)
    }

    @Test func endOfStreamDuringHandshakeIsReported() throws {
        let client = try TLSSession(context: TLSContext.client(caFile: certificates.caFile), serverName: "localhost")
        #expect(try client.handshake() == false)
        #expect(client.hasOutput)
        client.feedEndOfStream()
        #expect {
            _ = try client.handshake()
        } throws: { error in
            "\(error)" == "tls: connection closed during handshake"
        }
    }

    @Test func garbageFromPeerFailsHandshake() throws {
        let server = try TLSSession(context: server, serverName: nil)
        Array("GET / HTTP/1.1\r\n\r\n".utf8).withUnsafeBytes { server.feed($0) }
        #expect {
            _ = try server.handshake()
        } throws: { error in
            "\(error)".hasPrefix("tls: handshake failed: ")
        }
    }

    @Test func takeOutputAppendsAndEmpties() throws {
        let client = try TLSSession(context: TLSContext.client(), serverName: "localhost")
        var bytes: [UInt8] = [1, 2]
        #expect(client.takeOutput(into: &bytes) == 0)
        _ = try client.handshake()
        let count = client.takeOutput(into: &bytes)
        #expect(count > 0 && bytes.count == count + 2 && bytes[..<2] == [1, 2])
        #expect(bytes[2] == 0x16)  // a handshake record: the ClientHello
        #expect(!client.hasOutput)
        #expect(client.takeOutput(into: &bytes) == 0)
    }

    private func read(_ session: TLSSession) throws -> TLSReadResult {
        var buffer = [UInt8](repeating: 0, count: 64)
        return try buffer.withUnsafeMutableBytes { try session.read(into: $0) }
    }
}
