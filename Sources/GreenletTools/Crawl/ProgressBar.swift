import Glibc

/// The crawl's progress on stderr, redrawn in place, only while stderr is a terminal (a
/// log file gets no carriage-return noise). Used from the one thread that runs the crawl's
/// hub (hence unchecked `Sendable`: it is handed to that hub, never shared).
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let isShown: Bool
    private var lastDrawn: UInt64 = 0
    private var done = 0
    private var failed = 0

    public init(total: Int, descriptor: Int32 = 2) {
        self.total = total
        isShown = isatty(descriptor) == 1 && total > 0
    }

    /// Counts a result and redraws, at most every 50 ms (and always for the last result).
    public func record(_ result: CrawlResult) {
        done += 1
        if !result.isOK { failed += 1 }
        guard isShown else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let millis = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        guard done == total || millis - lastDrawn >= 50 else { return }
        lastDrawn = millis
        draw(Self.text(done: done, failed: failed, total: total))
    }

    /// Wipes the bar so the next line starts clean.
    public func clear() {
        guard isShown else { return }
        draw("")
    }

    /// `[#########...........]  45/100, 2 failed`
    static func text(done: Int, failed: Int, total: Int) -> String {
        let width = 30
        let filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "[\(bar)] \(done)/\(total)" + (failed > 0 ? ", \(failed) failed" : "")
    }

    private func draw(_ text: String) {
        var line = "\r\u{1B}[K" + text
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
