import Greenlet

/// A connected, ordered byte stream: what the HTTP client speaks over, whether the bytes
/// travel through a green thread's socket, a blocking socket, or TLS on either. The client
/// is written once against this, so every execution model runs the same protocol code.
///
/// Like Go's `net.Conn`, a stream carries a deadline rather than per-call timeouts: one
/// bound covers a whole fetch (connect, request, every read), however many calls it takes.
public protocol ByteStream: AnyObject {
    /// When reads and writes give up with `NetworkError.timedOut`, on `MonotonicClock`;
    /// nil waits as long as the peer and the kernel do.
    var deadline: UInt64? { get set }
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) async throws
    /// Reads what has arrived into the first bytes of `bytes` (at most `bytes.count`),
    /// waiting until something has; 0 at end of stream. One array serves every read.
    func read(into bytes: inout [UInt8]) async throws -> Int
    func close()
}

extension ByteStream {
    /// Seconds left before `deadline` (nil without one).
    /// - Throws: `NetworkError.timedOut` once it has passed.
    func secondsLeft() throws -> Double? {
        guard let deadline else { return nil }
        let now = MonotonicClock.now()
        guard deadline > now else { throw NetworkError.timedOut }
        return Double(deadline - now) / 1e9
    }
}
