import Glibc

/// CLOCK_MONOTONIC in nanoseconds: deadlines are absolute instants on it.
public enum MonotonicClock {
    /// Nanoseconds since an unspecified start, never going back.
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// The instant `seconds` from now; negative and NaN durations mean now.
    public static func deadline(after seconds: Double) -> UInt64 {
        guard seconds > 0 else { return now() }
        let ns = min(seconds, 1e9) * 1e9
        return now() &+ UInt64(ns)
    }

    static func timeval(nanoseconds: UInt64) -> Glibc.timeval {
        Glibc.timeval(tv_sec: Int(nanoseconds / 1_000_000_000), tv_usec: Int(nanoseconds % 1_000_000_000) / 1000)
    }
}
