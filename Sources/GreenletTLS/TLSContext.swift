import COpenSSL
import GreenletLocks

/// The settings sessions share: role, trust store or certificate, protocol floor. Immutable
/// once made, so sessions on any thread may be created from one context at the same time.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let isServer: Bool
    /// Whether a client context still has to load the system trust store: that parses the
    /// whole CA bundle (~40 ms here), which a program that never verifies a peer (a crawl
    /// of http URLs, a worker process) need not pay. Done once, before the first session.
    private let trustStorePending: Locked<Bool>

    private init(_ ctx: OpaquePointer, isServer: Bool) {
        self.ctx = ctx
        self.isServer = isServer
        trustStorePending = Locked(!isServer)
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    /// A client context: verifies the peer's chain against the system trust store plus
    /// `caFile` (PEM, added, not replacing) unless `verify` is false. TLS 1.2 minimum.
    /// Throws when `caFile` cannot be read or holds no certificate.
    public static func client(caFile: String? = nil, verify: Bool = true) throws(TLSError) -> TLSContext {
        let context = try make(method: TLS_client_method(), isServer: false)
        SSL_CTX_set_verify(context.ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        if let caFile, SSL_CTX_load_verify_locations(context.ctx, caFile, nil) != 1 {
            throw .fromQueue("cannot read CA file \(caFile)")
        }
        return context
    }

    /// A server context from PEM files: the certificate chain (leaf first) and its private
    /// key. Throws when either cannot be read or the key does not match the certificate.
    public static func server(certificateFile: String, privateKeyFile: String) throws(TLSError) -> TLSContext {
        let context = try make(method: TLS_server_method(), isServer: true)
        guard SSL_CTX_use_certificate_chain_file(context.ctx, certificateFile) == 1 else {
            throw .fromQueue("cannot use certificate file \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context.ctx, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw .fromQueue("cannot use private key file \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(context.ctx) == 1 else {
            throw .fromQueue("private key file \(privateKeyFile) does not match certificate file \(certificateFile)")
        }
        return context
    }

    /// Loads the system trust store into a client context the first time a session needs
    /// it; every later call returns at once.
    func prepareForSession() throws(TLSError) {
        try trustStorePending.withLock { (pending: inout Bool) throws(TLSError) in
            guard pending else { return }
            ERR_clear_error()
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw .fromQueue("cannot load the system trust store")
            }
            pending = false
        }
    }

    /// Settings both roles share. Renegotiation is refused because it would let a peer make
    /// `write` wait for input, which a sans-I/O session cannot do; an EOF without
    /// close_notify reads as a close because HTTP framing, not TLS, judges truncation.
    private static func make(method: OpaquePointer?, isServer: Bool) throws(TLSError) -> TLSContext {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(method) else { throw .fromQueue("cannot create context") }
        let context = TLSContext(ctx, isServer: isServer)
        guard greenlet_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 else {
            throw .fromQueue("cannot set the minimum protocol version")
        }
        SSL_CTX_set_options(ctx, greenlet_SSL_OP_IGNORE_UNEXPECTED_EOF | greenlet_SSL_OP_NO_RENEGOTIATION)
        return context
    }
}
