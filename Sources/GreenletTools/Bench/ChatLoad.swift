import Greenlet

/// The load client of `greenlet bench chat`: `clients` users join a chat server, then
/// each sends `messages` lines in a closed loop (the next once its previous came back to
/// it). Every line reaches every user, so a round of N senders is N² deliveries; each is
/// checked to arrive once and in its sender's order.
public enum ChatLoad {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Drives the chat server at `host:port` on a hub started on the calling thread.
    /// - Throws: `Failure` when a line is lost, repeated or out of order, or the server
    ///   answers something else; `NetworkError` when a connection fails.
    public static func run(host: String, port: Int, clients: Int, messages: Int) throws -> BenchmarkReport.Row {
        let (latencies, deliveries, seconds) = try Hub.run { () async throws -> ([Double], Int, Double) in
            let start = StartLine(clients: clients)
            let results = Results()
            try await runClients(clients, named: "chat client") { index in
                results.add(try await user(index, of: clients, host: host, port: port, messages: messages, start: start))
            }
            return (results.latencies, results.deliveries, Measure.seconds(since: start.time))
        }
        let sorted = latencies.sorted()
        return BenchmarkReport.Row(mode: "target", figures: [
            ("clients", Double(clients)),
            ("deliveries", Double(deliveries)),
            ("seconds", seconds),
            ("deliveries_per_second", Double(deliveries) / seconds),
            ("p50_us", Measure.percentile(sorted, 0.5)),
            ("p99_us", Measure.percentile(sorted, 0.99)),
        ])
    }

    /// What the users measured, gathered on the hub.
    private final class Results: @unchecked Sendable {
        var latencies: [Double] = []
        var deliveries = 0

        func add(_ result: (latencies: [Double], deliveries: Int)) {
            latencies += result.latencies
            deliveries += result.deliveries
        }
    }

    private static func user(
        _ index: Int, of clients: Int, host: String, port: Int, messages: Int, start: StartLine
    ) async throws -> (latencies: [Double], deliveries: Int) {
        let connection = try await Connection.connect(host: host, port: port, timeout: 10)
        defer { connection.close() }
        func line() async throws -> String {
            guard let bytes = try await connection.readLine(maxLength: 8192) else {
                throw Failure(description: "user \(index): the server closed the connection")
            }
            return String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
        }
        let name = "u\(index)"
        _ = try await line()  // the prompt
        try await connection.sendAll(Array("\(name)\n".utf8))
        let welcome = try await line()
        guard welcome.hasPrefix("## welcome"), let list = welcome.split(separator: ":").last else {
            throw Failure(description: "\(name) was not admitted: \(welcome)")
        }
        // Those who join after this user are announced to it before the load begins.
        let online = list.split(separator: ",").count
        for _ in online..<max(online, clients) {
            let notice = try await line()
            guard notice.hasSuffix(".") && notice.contains(" joined from ") else {
                throw Failure(description: "\(name): expected a join notice, got \(notice)")
            }
        }
        start.arrive()
        try await start.go.wait()

        var next = [Int](repeating: 0, count: clients)
        var latencies: [Double] = []
        latencies.reserveCapacity(messages)
        var deliveries = 0
        for message in 0..<messages {
            let sent = Measure.now()
            try await connection.sendAll(Array("m\(message)\n".utf8))
            while next[index] <= message {
                try check(try await line(), &next, user: name)
                deliveries += 1
            }
            latencies.append(Double(Measure.now() - sent) / 1000)
        }
        // The others' last lines are still on their way.
        while deliveries < clients * messages {
            try check(try await line(), &next, user: name)
            deliveries += 1
        }
        return (latencies, deliveries)
    }

    /// `uJ> mK` must be sender J's next line, K.
    private static func check(_ line: String, _ next: inout [Int], user: String) throws {
        guard line.hasPrefix("u"), let mark = line.firstIndex(of: ">"),
              let sender = Int(line[line.index(after: line.startIndex)..<mark]), next.indices.contains(sender),
              line[mark...].hasPrefix("> m"), let number = Int(line[line.index(mark, offsetBy: 3)...])
        else { throw Failure(description: "\(user) got an unexpected line: \(line)") }
        guard number == next[sender] else {
            throw Failure(description: "\(user) got u\(sender)'s line \(number) when \(next[sender]) was due")
        }
        next[sender] += 1
    }
}
