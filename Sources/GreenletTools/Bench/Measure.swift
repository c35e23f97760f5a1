import Foundation
import Glibc
import Greenlet

/// Clocks and process figures the benchmarks share.
enum Measure {
    /// Monotonic nanoseconds, on the clock the hub's deadlines use.
    static func now() -> UInt64 {
        MonotonicClock.now()
    }

    static func seconds(since start: UInt64) -> Double {
        Double(now() - start) / 1e9
    }

    /// Resident set size of this process, in bytes.
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The value below which `fraction` of `sorted` lies.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }
}
