import COpenSSL

/// One TLS connection over bytes only: the caller moves ciphertext between the peer and
/// `feed`/`takeOutput`, and plaintext through `read`/`write`. Nothing blocks, so the same
/// session serves green-thread and blocking sockets. Used by one thread at a time.
///
/// OpenSSL's error queue is per thread: every call clears it first and empties it when
/// reporting, so one session's failure never shows up in another's error.
public final class TLSSession {
    private let ssl: OpaquePointer
    /// Ciphertext from the peer; owned by `ssl`.
    private let input: OpaquePointer
    /// Ciphertext for the peer; owned by `ssl`.
    private let output: OpaquePointer
    private let serverName: String?

    /// A session in the context's role. For a client, `serverName` is the host the URL
    /// names: a DNS name is sent as SNI and must match the certificate; an IPv4 or IPv6
    /// literal (without brackets) sends no SNI and must match an IP address in the
    /// certificate; nil checks the chain only. Server sessions pass nil. Throws when
    /// OpenSSL cannot allocate the session or rejects the name.
    public init(context: TLSContext, serverName: String?) throws(TLSError) {
        precondition(!context.isServer || serverName == nil, "a server session takes no server name")
        try context.prepareForSession()
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else { throw .fromQueue("cannot create session") }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .fromQueue("cannot create buffers")
        }
        SSL_set_bio(ssl, input, output)
        self.ssl = ssl
        self.input = input
        self.output = output
        self.serverName = serverName
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName { try expectPeer(named: serverName) }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// set1_ip_asc accepts exactly the IPv4 and IPv6 literals, so it doubles as the test
    /// for one; SNI must not carry an address (RFC 6066 §3).
    private func expectPeer(named name: String) throws(TLSError) {
        let param = SSL_get0_param(ssl)
        if X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1 { return }
        ERR_clear_error()
        guard greenlet_SSL_set_tlsext_host_name(ssl, name) == 1 else {
            throw .fromQueue("invalid server name \(name)")
        }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard X509_VERIFY_PARAM_set1_host(param, name, 0) == 1 else {
            throw .fromQueue("invalid server name \(name)")
        }
    }

    /// Advances the handshake; true once it is complete. Either way, send `takeOutput()`
    /// if any; on false, then feed more input from the peer and call again. Throws when the
    /// peer's certificate fails verification, the peer sends an alert, or the stream ends.
    public func handshake() throws(TLSError) -> Bool {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return true }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return false
        case let code: throw handshakeFailure(code)
        }
    }

    private func handshakeFailure(_ code: Int32) -> TLSError {
        let reason = ERR_GET_REASON(ERR_peek_error())
        if reason == SSL_R_CERTIFICATE_VERIFY_FAILED {
            ERR_clear_error()
            let verify = SSL_get_verify_result(ssl)
            if verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH {
                return TLSError("host name mismatch (certificate is not for \(serverName ?? "?"))")
            }
            return TLSError("certificate verify failed (\(String(cString: X509_verify_cert_error_string(verify))))")
        }
        if code == SSL_ERROR_ZERO_RETURN || code == SSL_ERROR_SYSCALL || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING {
            ERR_clear_error()
            return TLSError("connection closed during handshake")
        }
        return .fromQueue("handshake failed")
    }

    /// Ciphertext received from the peer, buffered until the next handshake or read.
    public func feed(_ ciphertext: UnsafeRawBufferPointer) {
        guard let base = ciphertext.baseAddress, !ciphertext.isEmpty else { return }
        var written = 0
        // A memory BIO only fails to grow when allocation fails.
        guard BIO_write_ex(input, base, ciphertext.count, &written) == 1 else {
            fatalError("tls: out of memory buffering \(ciphertext.count) bytes of input")
        }
    }

    /// The peer closed its side of the byte stream: once the buffered input is used up,
    /// reads see the end instead of asking for more.
    public func feedEndOfStream() {
        greenlet_BIO_set_mem_eof_return(input, 0)
    }

    /// Appends the ciphertext waiting for the peer to `bytes`; returns how many bytes were
    /// appended (0 when none are pending).
    @discardableResult
    public func takeOutput(into bytes: inout [UInt8]) -> Int {
        let pending = BIO_ctrl_pending(output)
        guard pending > 0 else { return 0 }
        // Reading into a new array and appending it is a memcpy even in unoptimized builds,
        // where padding `bytes` first and reading over the padding loops byte by byte.
        let taken = [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            _ = BIO_read_ex(output, buffer.baseAddress, pending, &count)
        }
        bytes.append(contentsOf: taken)
        return taken.count
    }

    /// Whether ciphertext is waiting for `takeOutput`.
    public var hasOutput: Bool { BIO_ctrl_pending(output) > 0 }

    /// Decrypts into `buffer`, which must not be empty. `.needsInput`: send any pending
    /// output, feed more, read again. `.closed`: the peer sent close_notify or the stream
    /// ended, with or without one. Throws on a corrupt record or an alert from the peer.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> TLSReadResult {
        precondition(!buffer.isEmpty, "read needs room for at least one byte")
        ERR_clear_error()
        var count = 0
        let result = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
        if result == 1 { return .bytes(count) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .needsInput
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: throw .fromQueue("read failed")
        }
    }

    /// Encrypts all of `plaintext` into the output (memory buffers never fill up, so this
    /// never waits); take the output after each write. Only after the handshake. Throws when
    /// the session has failed or is shut down.
    public func write(_ plaintext: UnsafeRawBufferPointer) throws(TLSError) {
        precondition(SSL_is_init_finished(ssl) == 1, "write before the handshake completed")
        guard let base = plaintext.baseAddress, !plaintext.isEmpty else { return }
        ERR_clear_error()
        var written = 0
        guard SSL_write_ex(ssl, base, plaintext.count, &written) == 1 else {
            throw .fromQueue("write failed")
        }
    }

    /// Queues close_notify in the output, once; a session whose handshake never finished
    /// has nothing to close.
    public func close() {
        guard SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN == 0 else { return }
        SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The name the client sent as SNI, on a server session; nil when it sent none.
    var requestedServerName: String? {
        SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
    }
}
