import COpenSSL

/// A streaming SHA-256 digest. Copies are independent: a copy taken mid-stream finishes
/// on its own without disturbing the original.
public struct SHA256 {
    private var state: DigestState

    /// An empty digest.
    public init() {
        state = DigestState()
    }

    /// Adds `bytes` to the digest.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        state.check(EVP_DigestUpdate(state.ctx, base, bytes.count), "update")
    }

    /// The digest as 64 lowercase hex digits; ends the digest, so call once.
    public mutating func finalizeHex() -> String {
        if !isKnownUniquelyReferenced(&state) { state = state.copy() }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        state.check(EVP_DigestFinal_ex(state.ctx, &digest, &length), "final")
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(Int(length)).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xf)]] }, as: UTF8.self)
    }
}

/// The EVP context behind `SHA256`, shared between copies until one of them writes.
private final class DigestState {
    let ctx: OpaquePointer

    init() {
        ctx = Self.newContext()
        check(EVP_DigestInit_ex(ctx, Self.algorithm, nil), "init")
    }

    /// Fetched once: `EVP_sha256()` makes OpenSSL 3 look the implementation up among its
    /// providers, under a lock, at every init (measured: most of a small body's hashing).
    /// An EVP_MD is immutable once fetched and safe to share between threads.
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    private init(copying other: DigestState) {
        ctx = Self.newContext()
        check(EVP_MD_CTX_copy_ex(ctx, other.ctx), "copy")
    }

    deinit {
        EVP_MD_CTX_free(ctx)
    }

    func copy() -> DigestState { DigestState(copying: self) }

    /// EVP digest calls fail only when memory runs out or SHA-256 is unavailable, and a
    /// wrong digest must never be returned instead.
    func check(_ result: Int32, _ step: String) {
        guard result == 1 else { fatalError("sha256: EVP digest \(step) failed") }
    }

    private static func newContext() -> OpaquePointer {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("sha256: cannot allocate an EVP context") }
        return ctx
    }
}
