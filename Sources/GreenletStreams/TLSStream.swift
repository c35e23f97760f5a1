import GreenletTLS

/// TLS over any `ByteStream`: the session encrypts and decrypts in memory, and this moves
/// its ciphertext through the stream underneath, so green and blocking sockets get the
/// same TLS code.
public final class TLSStream: ByteStream {
    private let base: any ByteStream
    private let session: TLSSession
    /// Ciphertext read from `base`, handed to the session (a TLS record and some).
    private var incoming = [UInt8](repeating: 0, count: 17 * 1024)
    private var outgoing: [UInt8] = []

    public var deadline: UInt64? {
        get { base.deadline }
        set { base.deadline = newValue }
    }

    private init(base: any ByteStream, session: TLSSession) {
        self.base = base
        self.session = session
    }

    /// Runs the handshake over `base` (which the stream then owns), as the client with a
    /// client context, as the server with a server context (then `serverName` is nil).
    /// - Parameter serverName: the host the URL names: SNI and the name the certificate
    ///   must carry (an IP literal is checked against the certificate's addresses).
    /// - Throws: `TLSError` for any TLS failure, the stream's errors for the transport's.
    public static func handshake(over base: any ByteStream, context: TLSContext, serverName: String?) async throws -> TLSStream {
        let stream = TLSStream(base: base, session: try TLSSession(context: context, serverName: serverName))
        while try !stream.session.handshake() {
            try await stream.flush()
            try await stream.receive()
        }
        try await stream.flush()
        return stream
    }

    public func write(_ bytes: [UInt8]) async throws {
        try bytes.withUnsafeBytes { plaintext in try session.write(plaintext) }
        try await flush()
    }

    public func read(into bytes: inout [UInt8]) async throws -> Int {
        while true {
            switch try bytes.withUnsafeMutableBytes({ buffer in try session.read(into: buffer) }) {
            case .bytes(let count): return count
            case .closed: return 0
            case .needsInput:
                try await flush()
                try await receive()
            }
        }
    }

    public func close() {
        base.close()
    }

    private func receive() async throws {
        let count = try await base.read(into: &incoming)
        if count == 0 {
            session.feedEndOfStream()
        } else {
            incoming.withUnsafeBytes { session.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }

    private func flush() async throws {
        guard session.hasOutput else { return }
        outgoing.removeAll(keepingCapacity: true)
        session.takeOutput(into: &outgoing)
        try await base.write(outgoing)
    }
}
