extension Hub {
    /// Writes a table of the live green threads of every running hub to stderr — what
    /// SIGUSR1 does: id, name, spawn site, what each waits on, and age. A hub writes its
    /// own table between jobs; the caller's hub at once.
    public static func dump() {
        for hub in Monitor.runningHubs {
            // Weak: a hub that ends before it gets to this must not keep itself alive.
            hub.execute { [weak hub] in hub.map { $0.report($0.liveTable()) } }
        }
    }

    /// This hub's table of live green threads, oldest first.
    func liveTable() -> String {
        assertOnHub()
        let now = MonotonicClock.now()
        let rows = liveThreads.reversed().map { thread in
            [
                "\(thread.id)", thread.name, thread.spawnSite, thread.waitingOn,
                formatSeconds(nanoseconds: now &- thread.startedAt),
            ]
        }
        let header = ["ID", "NAME", "SPAWNED AT", "WAITING ON", "AGE"]
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var table = "greenlet: hub \(number): \(rows.count) live green thread\(rows.count == 1 ? "" : "s")"
        for row in [header] + rows {
            table += "\n "
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                // Numbers right-aligned, text left-aligned; no padding after the last column.
                if column == 0 { table += " \(padding)\(cell)" }
                else if column == row.count - 1 { table += "  \(cell)" }
                else { table += "  \(cell)\(padding)" }
            }
        }
        return table
    }
}
