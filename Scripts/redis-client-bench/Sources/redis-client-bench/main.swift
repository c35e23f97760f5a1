// redis-client-bench PORT PINGS SETS: greenlet's RedisClient on a hub against Redis on
// 127.0.0.1:PORT. Times PINGS sequential PING round trips, then SETS `SET k v` in
// pipelines of 100, and prints one JSON line of client CPU (getrusage user+sys) and wall
// time per operation: the line adapter.c prints for hiredis's own async API, so that
// Scripts/bench-redis-client.sh can set the two side by side.
import Glibc
import Greenlet
import GreenletRedis

/// CPU (user+sys, the whole process) and monotonic wall time, in microseconds.
func clocks() -> (cpu: Double, wall: Double) {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    func micros(_ t: timeval) -> Double { Double(t.tv_sec) * 1e6 + Double(t.tv_usec) }
    return (micros(usage.ru_utime) + micros(usage.ru_stime), Double(now.tv_sec) * 1e6 + Double(now.tv_nsec) / 1e3)
}

func fail(_ message: String, status: Int32) -> Never {
    let text = Array("redis-client-bench: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

/// Runs both measurements on the calling green thread and returns the JSON line.
func measure(port: Int, pings: Int, sets: Int) async throws -> String {
    let client = try await RedisClient.connect(try RedisURL(parsing: "redis://127.0.0.1:\(port)"))
    defer { client.close() }
    // One untimed round trip first, as adapter.c does, so that neither side's figures
    // include connecting.
    _ = try await client.command(["PING"])

    let pingStart = clocks()
    for _ in 0..<pings {
        guard try await client.command(["PING"]) == .status("PONG") else { fail("PING: unexpected reply", status: 1) }
    }
    let pingEnd = clocks()

    let batch = 100
    let full = [[String]](repeating: ["SET", "k", "v"], count: batch)
    var left = sets
    while left > 0 {
        let commands = left >= batch ? full : Array(full.prefix(left))
        for reply in try await client.pipeline(commands) {
            guard case .success(.status("OK")) = reply else { fail("SET: unexpected reply \(reply)", status: 1) }
        }
        left -= commands.count
    }
    let setEnd = clocks()

    let ping = (cpu: (pingEnd.cpu - pingStart.cpu) / Double(pings), wall: (pingEnd.wall - pingStart.wall) / Double(pings))
    let set = (cpu: (setEnd.cpu - pingEnd.cpu) / Double(sets), wall: (setEnd.wall - pingEnd.wall) / Double(sets))
    return "{\"contender\":\"greenlet\",\"pings\":\(pings),\"sets\":\(sets),\"ping_cpu_us\":\(ping.cpu),"
        + "\"ping_wall_us\":\(ping.wall),\"set_cpu_us\":\(set.cpu),\"set_wall_us\":\(set.wall)}"
}

let numbers = CommandLine.arguments.dropFirst().compactMap { Int($0) }.filter { $0 > 0 }
guard CommandLine.arguments.count == 4, numbers.count == 3 else {
    fail("usage: redis-client-bench PORT PINGS SETS", status: 64)
}
let (port, pings, sets) = (numbers[0], numbers[1], numbers[2])
do {
    print(try Hub.run { try await measure(port: port, pings: pings, sets: sets) })
} catch {
    fail("\(error)", status: 1)
}
