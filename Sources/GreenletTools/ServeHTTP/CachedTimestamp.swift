import Glibc
import GreenletLocks

/// A timestamp text that is formatted at most once per second: a server stamps every
/// response (`Date`) and every access-log line, and within one second they all share the
/// same text. Safe to share between hubs: one lock per call, which hubs sharing one
/// instance (the server's `Date`) contend for only when they stamp at the same moment.
public final class CachedTimestamp: Sendable {
    private let format: @Sendable (Int) -> String
    private let cache = Locked<(second: Int, text: String)>((Int.min, ""))

    /// - Parameter format: turns a second since the Unix epoch into its text.
    public init(format: @escaping @Sendable (Int) -> String) {
        self.format = format
    }

    /// The text for `second`, formatted only when it differs from the last one asked for.
    public func text(at second: Int = CachedTimestamp.currentSecond()) -> String {
        cache.withLock { cached in
            if cached.second != second { cached = (second, format(second)) }
            return cached.text
        }
    }

    /// The current second since the Unix epoch (`time(2)` goes through the vDSO: no syscall).
    public static func currentSecond() -> Int { time(nil) }
}
