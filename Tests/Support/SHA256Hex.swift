import GreenletTLS

/// The SHA-256 of `bytes` as 64 lowercase hex digits, as crawl reports it.
public func sha256(_ bytes: [UInt8]) -> String {
    var digest = SHA256()
    bytes.withUnsafeBytes { digest.update($0) }
    return digest.finalizeHex()
}
