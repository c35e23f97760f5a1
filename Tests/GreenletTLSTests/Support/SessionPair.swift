import GreenletTLS
import Testing

/// A client and a server session wired to each other in memory: pumping moves each
/// side's output into the other's input, as a socket pair would.
struct SessionPair {
    let client: TLSSession
    let server: TLSSession

    init(client: TLSContext, server: TLSContext, serverName: String?) throws {
        self.client = try TLSSession(context: client, serverName: serverName)
        self.server = try TLSSession(context: server, serverName: nil)
    }

    /// Runs both handshakes to completion, throwing the first side's failure.
    func handshake() throws {
        var clientDone = false
        var serverDone = false
        for _ in 0..<10 {
            if !clientDone { clientDone = try client.handshake() }
            Self.pump(from: client, to: server)
            if !serverDone { serverDone = try server.handshake() }
            Self.pump(from: server, to: client)
            if clientDone && serverDone { return }
        }
        Issue.record("handshake did not finish in 10 rounds")
    }

    /// Moves all of `from`'s pending output into `to`; returns how many bytes moved.
    @discardableResult
    static func pump(from: TLSSession, to: TLSSession) -> Int {
        var bytes: [UInt8] = []
        let count = from.takeOutput(into: &bytes)
        bytes.withUnsafeBytes { to.feed($0) }
        return count
    }

    /// Writes `bytes` on `from` and delivers them to `to`, whose decrypted bytes return.
    static func send(_ bytes: [UInt8], from: TLSSession, to: TLSSession) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try from.write($0) }
        pump(from: from, to: to)
        return try readAvailable(to)
    }

    /// Everything `session` can decrypt from its buffered input.
    static func readAvailable(_ session: TLSSession) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while case .bytes(let count) = try buffer.withUnsafeMutableBytes({ try session.read(into: $0) }) {
            received += buffer[..<count]
        }
        return received
    }
}
